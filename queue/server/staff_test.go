package server_test

import (
	"net/url"
	"testing"

	"natq/queue"
	"natq/queue/queuetest"
	"natq/queue/server"
)

// TestStaffRevoke: the coordinator's tablet lists the staff and revokes a
// lost tablet's token on one instance; the other refuses it at once.
func TestStaffRevoke(t *testing.T) {
	c := queuetest.Stores()[0].Client(t)
	a := start(t, c, nil, server.Options{})
	b := start(t, c, nil, server.Options{})
	coord, _ := a.svc.AddStaff(ctx, "c1", "李主任", queue.RoleCoordinator)
	lost, _ := a.svc.AddStaff(ctx, "c1", "王志愿", queue.RoleMarshal)
	if code, _ := do(t, "POST", b.url+"/api/v1/sites/s1/calls", lost, ""); code == 401 {
		t.Fatalf("the marshal's token before revocation = 401")
	}
	if code, _ := do(t, "GET", a.url+"/api/v1/compounds/c1/staff", lost, ""); code != 403 {
		t.Errorf("a marshal listing staff = %d, want 403", code)
	}
	code, m := do(t, "GET", a.url+"/api/v1/compounds/c1/staff", coord, "")
	if list, _ := m["staff"].([]any); code != 200 || len(list) != 2 {
		t.Fatalf("GET staff = %d %v", code, m)
	}
	if code, m := do(t, "DELETE", a.url+"/api/v1/compounds/c1/staff/"+url.PathEscape("王志愿"), coord, ""); code != 200 || m["revoked"] != 1.0 {
		t.Fatalf("DELETE staff = %d %v", code, m)
	}
	if code, _ := do(t, "POST", b.url+"/api/v1/sites/s1/calls", lost, ""); code != 401 {
		t.Errorf("the revoked token on the other instance = %d, want 401", code)
	}
	// The desk's changes check their token in their script: a bad body,
	// or one the service refuses before it, still tells a revoked token
	// only that it is refused.
	for _, r := range [][3]string{
		{"/api/v1/sites/s1/checkins", `{"ticket":`, "a broken body"},
		{"/api/v1/sites/s1/checkins", `{}`, "no ticket"},
		{"/api/v1/sites/nosuch/checkins", `{"ticket":"c1.1.x"}`, "no such site"},
		{"/api/v1/sites/s1/calls", `{"desk":"one"}`, "a desk not a number"},
		{"/api/v1/sites/s1/calls", `{"desk":99}`, "no such desk"},
		{"/api/v1/tickets/c1.1.x/sampled", `{"tube":7}`, "a tube not a string"},
		{"/api/v1/tickets/c1.1.x/sampled", ``, "a forged ticket"},
	} {
		if code, _ := do(t, "POST", b.url+r[0], lost, r[1]); code != 401 {
			t.Errorf("the revoked token, %s (POST %s) = %d, want 401", r[2], r[0], code)
		}
	}
	if code, _ := do(t, "DELETE", a.url+"/api/v1/compounds/c1/staff/nobody", coord, ""); code != 404 {
		t.Errorf("revoking nobody = %d, want 404", code)
	}
}
