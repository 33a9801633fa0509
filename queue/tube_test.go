package queue_test

import (
	"strings"
	"testing"

	"natq/queue"
	"natq/queue/queuetest"
)

// A tube code with a control character or a byte that is not UTF-8 is
// refused, naming the tube (a ticket's events hold the code as it is);
// one with spaces and Chinese inside is taken as given.
func TestTubeCodeRefusals(t *testing.T) {
	for _, st := range queuetest.Stores() {
		t.Run(st.Name, func(t *testing.T) {
			s, clk := queuetest.Service(t, st.Client(t), nil)
			m := staff(t, s, "c1", queue.RoleMarshal)
			tok := bookAt(t, s, hh("b1", "", "101", 2))
			clk.Set(queuetest.At(6, 55))
			if _, err := s.CheckIn(ctx, m, "s1", tok); err != nil {
				t.Fatal(err)
			}
			for _, bad := range []string{"T\x001", "T\t1", "T\x1f", "T\xff1", "\xc3", "T\u00851", "T\u009f"} {
				_, err := s.Sampled(ctx, m, tok, bad)
				wantCode(t, "Sampled into "+bad, err, "bad_input")
				if err != nil && (!strings.Contains(err.Error(), "tube") || !strings.Contains(err.Error(), "control character")) {
					t.Errorf("Sampled into %q = %v, want it to name the tube and why", bad, err)
				}
			}
			tv, err := s.Sampled(ctx, m, tok, " 东 T1 ")
			if err != nil || tv.Tube != "东 T1" || tv.State != "sampled" {
				t.Fatalf("Sampled into 东 T1 = %+v, %v", tv, err)
			}
			if again, err := s.Ticket(ctx, tok); err != nil || again.Tube != "东 T1" {
				t.Errorf("the ticket reads tube %q, %v", again.Tube, err)
			}
		})
	}
}
