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
	if code, _ := do(t, "DELETE", a.url+"/api/v1/compounds/c1/staff/nobody", coord, ""); code != 404 {
		t.Errorf("revoking nobody = %d, want 404", code)
	}
}
