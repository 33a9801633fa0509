package server_test

import (
	"net/url"
	"strings"
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

// TestDisplayPairingHTTP: a TV's call screen asks one instance for a
// code; a marshal's tablet types it on another; the TV's next poll takes
// its display token, once. What a stranger can do: poll with a made-up
// secret, type codes without a token, and ask for codes until the
// address's share is spent.
func TestDisplayPairingHTTP(t *testing.T) {
	c := queuetest.Stores()[0].Client(t)
	a := start(t, c, nil, server.Options{})
	b := start(t, c, nil, server.Options{})
	marshal, _ := a.svc.AddStaff(ctx, "c1", "王志愿", queue.RoleMarshal)
	code, m := do(t, "POST", a.url+"/api/v1/sites/c1~s1/pairings", "", "")
	pc, _ := m["code"].(string)
	secret, _ := m["secret"].(string)
	if code != 201 || len(pc) != 6 || secret == "" || m["site"] != "s1" {
		t.Fatalf("POST pairings = %d %v", code, m)
	}
	poll := `{"secret":"` + secret + `"}`
	if code, m := do(t, "POST", a.url+"/api/v1/sites/c1~s1/pairings/poll", "", poll); code != 200 || m["state"] != "waiting" {
		t.Fatalf("the poll before the code is typed = %d %v", code, m)
	}
	for _, r := range []struct{ url, token, body, what string }{
		{"/api/v1/sites/c1~s1/pairings/poll", "", `{"secret":"made-up"}`, "a made-up secret"},
		{"/api/v1/sites/c1~s1/pairings/poll", "", `{}`, "no secret"},
		{"/api/v1/sites/c1~s1/pairings/poll", "", `{"secret":"` + secret + `","code":"` + pc + `"}`, "an unknown field"},
		{"/api/v1/sites/c1~s1/pairings", "", `{"site":"s2"}`, "a pairing with a body"},
		{"/api/v1/sites/c1~nope/pairings", "", ``, "a pairing for no site"},
		{"/api/v1/sites/s1/displays", "", `{"code":"` + pc + `"}`, "typing the code without a token"},
		{"/api/v1/sites/s1/displays", marshal, `{"code":"12"}`, "a short code"},
		{"/api/v1/sites/s1/displays", marshal, `{"code":123456}`, "a code as a number"},
	} {
		code, m := do(t, "POST", b.url+r.url, r.token, r.body)
		want := map[string]int{"a made-up secret": 404, "typing the code without a token": 401, "a pairing for no site": 404}[r.what]
		if want == 0 {
			want = 400
		}
		if code != want {
			t.Errorf("%s: POST %s = %d %v, want %d", r.what, r.url, code, m, want)
		}
	}
	if code, m := do(t, "POST", b.url+"/api/v1/sites/s1/displays", marshal, `{"code":"`+pc[:3]+"-"+pc[3:]+`"}`); code != 201 || m["site"] != "s1" || m["token"] != nil {
		t.Fatalf("the marshal typing the code = %d %v; want 201, s1, no token", code, m)
	}
	code, m = do(t, "POST", a.url+"/api/v1/sites/c1~s1/pairings/poll", "", poll)
	d, _ := m["display"].(map[string]any)
	tok, _ := d["token"].(string)
	if code != 200 || m["state"] != "paired" || tok == "" || !strings.HasSuffix(d["url"].(string), "/display/c1/s1#t="+url.QueryEscape(tok)) {
		t.Fatalf("the poll after the code is typed = %d %v", code, m)
	}
	if code, m := do(t, "GET", b.url+"/api/v1/sites/s1/line", tok, ""); code != 200 || m["site"] != "s1" {
		t.Errorf("the paired display reading its line = %d %v", code, m)
	}
	if code, _ := do(t, "POST", b.url+"/api/v1/sites/s1/calls", tok, ""); code != 403 {
		t.Errorf("the paired display calling = %d, want 403", code)
	}
	if code, m := do(t, "POST", a.url+"/api/v1/sites/c1~s1/pairings/poll", "", poll); code != 404 {
		t.Errorf("a second poll after pairing = %d %v, want 404", code, m)
	}
	// One address's share: the pairing collected above counts no more;
	// eight live ones, then 429.
	for i := range 8 {
		if code, m := do(t, "POST", a.url+"/api/v1/sites/c1~s1/pairings", "", ""); code != 201 {
			t.Fatalf("pairing %d from one address = %d %v", i+1, code, m)
		}
	}
	if code, m := do(t, "POST", a.url+"/api/v1/sites/c1~s1/pairings", "", ""); code != 429 || errCode(m) != "rate_limited" {
		t.Errorf("a ninth pairing from one address = %d %v, want 429", code, m)
	}
}
