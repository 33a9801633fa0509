package server_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"natq/queue"
	"natq/queue/queuetest"
	"natq/queue/server"
)

// TestCluster3 runs two natq instances on a Redis Cluster of three
// masters that the test starts, each connected by REDIS_URL at a
// different node: concurrent bookings across both fill a window exactly
// (no CROSSSLOT, no overbooking), the booking limit holds across both,
// and an event made on one reaches a listener on the other.
func TestCluster3(t *testing.T) {
	nodes := queuetest.StartCluster(t, 3)
	open := func(node string) *queue.Store {
		s, err := queue.OpenStore(ctx, queue.StoreConfigFromEnv(envMap{"REDIS_URL": "redis://" + node}.get))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	sa, sb := open(nodes[0]), open(nodes[2])
	edit := func(o *queue.Options) {
		o.WalkinShare = 0
		o.BookingLimit = queue.BookingLimit{Households: 30, Window: 10 * time.Minute}
	}
	a := start(t, sa.Client, edit, server.Options{})
	b := start(t, sb.Client, edit, server.Options{})
	marshal, _ := a.svc.AddStaff(ctx, "c1", "m", queue.RoleMarshal)

	// 500 bookings into building b4 (37 seats) at once, half on each
	// instance, as a volunteer (the limit is tested below).
	n201, _ := book500(t, a.url, b.url, marshal)
	if n201 != 37 {
		t.Errorf("500 concurrent bookings over two instances on a 3-master cluster: %d created, want 37 (the window's seats)", n201)
	}
	st, err := a.svc.Compound(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(st); len(b) == 0 {
		t.Fatal("no status")
	}

	// The limit: 30 new households per address, across both instances.
	limited := 0
	for i := 0; i < 40; i++ {
		url := a.url
		if i%2 == 1 {
			url = b.url
		}
		code, _ := do(t, "POST", url+"/api/v1/compounds/c2/bookings", "", fmt.Sprintf(`{"building":"%s","room":"1%02d","party":1}`, c2Building(t, a), 1+i))
		switch code {
		case 201:
		case 429:
			limited++
		default:
			t.Errorf("booking %d in c2 = %d", i, code)
		}
	}
	if limited != 10 {
		t.Errorf("40 new households from one address over two instances, budget 30: %d refused, want 10", limited)
	}

	// An event made on a reaches a listener on b.
	_, bk := do(t, "POST", a.url+"/api/v1/compounds/c1/bookings", "", `{"building":"b1","room":"101","party":1}`)
	tk, _ := bk["ticket"].(string)
	ev := sse(t, b.url+"/api/v1/tickets/"+tk+"/events")
	// One published from inside book.lua, on whichever master holds c1.
	if code, e := do(t, "POST", a.url+"/api/v1/compounds/c1/bookings", "", `{"building":"b1","room":"101","party":2,"ticket":"`+tk+`"}`); code != 200 {
		t.Fatalf("booking again with party 2 = %d %v", code, e)
	}
	select {
	case d := <-ev:
		var m map[string]any
		json.Unmarshal([]byte(d), &m)
		tm, _ := m["ticket"].(map[string]any)
		if m["type"] != "party" || m["version"] != 2.0 || tm["ticket"] != tk || tm["party"] != 2.0 {
			t.Errorf("event on the other instance = %s, want party 2 at version 2 with the ticket", d)
		}
	case <-time.After(5 * time.Second):
		t.Error("no party event on the other instance")
	}
	a.clk.Set(queuetest.At(7, 0))
	if code, e := do(t, "POST", a.url+"/api/v1/sites/s1/checkins", marshal, `{"ticket":"`+tk+`"}`); code != 200 {
		t.Fatalf("check-in = %d %v", code, e)
	}
	select {
	case d := <-ev:
		var m map[string]any
		json.Unmarshal([]byte(d), &m)
		if m["type"] != "checked_in" {
			t.Errorf("event on the other instance = %s, want checked_in", d)
		}
	case <-time.After(5 * time.Second):
		t.Error("no event on the other instance")
	}
}

type envMap map[string]string

func (m envMap) get(k string) string { return m[k] }

// c2Building is a building of the fixture compound c2.
func c2Building(t *testing.T, in *instance) string {
	p, err := in.svc.Plan("c2")
	if err != nil || len(p.Windows) == 0 || len(p.Windows[0].Groups) == 0 {
		t.Fatalf("c2's plan: %v", err)
	}
	return p.Windows[0].Groups[0].Building
}
