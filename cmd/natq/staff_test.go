package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"natq/queue/queuetest"
)

// TestStaffListRevokeAndRoundPurge: natq staff list shows names and ends,
// never tokens; natq staff revoke stops a token on the running server at
// once; natq round purge refuses the running round and deletes it after
// its day.
func TestStaffListRevokeAndRoundPurge(t *testing.T) {
	vars := map[string]string{"REDIS_URL": "redis://" + queuetest.StartRedis(t), "NATQ_SECRET": "a-secret-for-the-test-0123"}
	es, _, errs := serveEnv(vars)
	url := serve(t, es, errs, "--plan", fixture, "--booking-limit", "0")
	cmd := func(e *env, args ...string) (int, string, string) {
		t.Helper()
		code := run(context.Background(), e, args)
		return code, e.stdout.(*lockedBuf).String(), e.stderr.(*lockedBuf).String()
	}
	e, _, _ := serveEnv(vars)
	if code, _, errb := cmd(e, "staff", "add", "王志愿", "--compound", "c1", "--role", "marshal"); code != 0 {
		t.Fatalf("staff add = %d %s", code, errb)
	}
	lost := strings.TrimSpace(e.stdout.(*lockedBuf).String())
	if errb := e.stderr.(*lockedBuf).String(); strings.Contains(errb, "WARNING") {
		t.Errorf("staff add for c1, whose round is open, warns: %s", errb)
	}
	e, _, _ = serveEnv(vars)
	if code, _, errb := cmd(e, "staff", "add", "李主任", "--compound", "c1", "--role", "coordinator", "--for", "72h"); code != 0 {
		t.Fatalf("staff add --for = %d %s", code, errb)
	}
	// A mistyped compound: the token is issued (a round may open later),
	// with a warning that the store has never seen the compound.
	e, _, _ = serveEnv(vars)
	if code, _, errb := cmd(e, "staff", "add", "王志愿", "--compound", "cl", "--role", "marshal"); code != 0 || !strings.Contains(errb, `no round of compound "cl"`) {
		t.Errorf("staff add --compound cl = %d %s; want a token and a warning", code, errb)
	}
	// A name is counted in characters: 60 Chinese ones are a name.
	e, _, _ = serveEnv(vars)
	if code, _, errb := cmd(e, "staff", "add", strings.Repeat("王", 60), "--compound", "c1", "--role", "marshal", "--for", "1h"); code != 0 {
		t.Errorf("staff add with a 60-character name = %d %s", code, errb)
	}
	e, _, _ = serveEnv(vars)
	if code, _, errb := cmd(e, "round", "purge", "--compound", "c1", "--date", "2026-13-45"); code != 2 || !strings.Contains(errb, "is not a date") {
		t.Errorf("round purge --date 2026-13-45 = %d %s; want 2, not a date", code, errb)
	}
	e, _, _ = serveEnv(vars)
	code, out, errb := cmd(e, "staff", "list", "--compound", "c1")
	if code != 0 || !strings.Contains(out, "王志愿") || !strings.Contains(out, "2026-12-02 00:00 CST") || !strings.Contains(out, "李主任") || !strings.Contains(out, "2026-12-04 06:00") {
		t.Errorf("staff list = %d %q %s, want both names, the round's end and 72 h", code, out, errb)
	}
	if strings.Contains(out, lost[strings.LastIndexByte(lost, '.')+1:]) {
		t.Errorf("staff list shows a token: %s", out)
	}
	if code, body := call(t, "POST", url+"/api/v1/sites/s1/calls", lost, ""); code == 401 {
		t.Fatalf("call before revocation = %d %s", code, body)
	}
	e, _, _ = serveEnv(vars)
	if code, _, errb := cmd(e, "staff", "revoke", "王志愿", "--compound", "c1"); code != 0 || !strings.Contains(errb, "revoked 1") {
		t.Errorf("staff revoke = %d %s", code, errb)
	}
	if code, body := call(t, "POST", url+"/api/v1/sites/s1/calls", lost, ""); code != 401 {
		t.Errorf("call with a revoked token = %d %s, want 401", code, body)
	}
	e, _, _ = serveEnv(vars)
	if code, _, errb := cmd(e, "staff", "revoke", "nobody", "--compound", "c1"); code == 0 || !strings.Contains(errb, "nobody") {
		t.Errorf("staff revoke nobody = %d %s", code, errb)
	}
	if code, body := call(t, "POST", url+"/api/v1/compounds/c1/bookings", "", `{"building":"b1","room":"101","party":2}`); code != 201 {
		t.Fatalf("booking = %d %s", code, body)
	}
	e, _, _ = serveEnv(vars)
	if code, _, errb := cmd(e, "round", "purge", "--compound", "c1", "--date", "2026-12-01"); code != 2 || !strings.Contains(errb, "still running") {
		t.Errorf("round purge of the running round = %d %s, want 2 and still running", code, errb)
	}
	e, _, _ = serveEnv(vars)
	e.now = clockAt(time.Date(2026, 12, 2, 1, 0, 0, 0, time.FixedZone("CST", 8*3600)))
	if code, _, errb := cmd(e, "round", "purge", "--compound", "c1", "--date", "2026-12-01"); code != 0 || !strings.Contains(errb, "1 tickets") {
		t.Errorf("round purge after its day = %d %s", code, errb)
	}
	e, _, _ = serveEnv(nil)
	if code, _, errb := cmd(e, "round", "purge", "--compound", "c1", "--date", "2026-12-01"); code != 2 || !strings.Contains(errb, "REDIS_URL") {
		t.Errorf("round purge without Redis = %d %s", code, errb)
	}
}
