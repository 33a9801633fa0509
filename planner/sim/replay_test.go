package sim

import (
	"bytes"
	"math"
	"reflect"
	"strings"
	"testing"
)

// TestSimulateReplay plays the contest day once with known parameters,
// logs it as the queue would, and replays the log: the replay must find
// the parameters again and the waits the run had.
func TestSimulateReplay(t *testing.T) {
	d := contestDay(t)
	truth := DefaultParams()
	truth.Rate, truth.ServiceCV, truth.LateShare, truth.NoShowShare = 100, 0.4, 0.2, 0.08
	r, err := RunOnce(d, "dry", truth, 11)
	if err != nil {
		t.Fatal(err)
	}
	log := r.Log()
	var buf bytes.Buffer
	if err := WriteLog(&buf, log); err != nil {
		t.Fatal(err)
	}
	back, err := ReadLog(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(log) || !reflect.DeepEqual(back[7].SampledAt.Unix(), log[7].SampledAt.Unix()) || back[7].Party != log[7].Party {
		t.Fatalf("CSV round trip: %d entries, want %d; entry 7 %+v, want %+v", len(back), len(log), back[7], log[7])
	}
	given := DefaultParams()
	given.Runs = 3
	rep, err := ReplayLog(d, back, given)
	if err != nil {
		t.Fatal(err)
	}
	c := rep.Calibrated
	if math.Abs(c.Rate-100) > 3 || math.Abs(c.ServiceCV-0.4) > 0.05 {
		t.Errorf("calibrated rate %v cv %v, want about 100 and 0.4", c.Rate, c.ServiceCV)
	}
	if math.Abs(c.NoShowShare-0.08) > 0.02 {
		t.Errorf("measured no-shows %v, want about 0.08", c.NoShowShare)
	}
	if c.LateShare <= 0.05 || c.LateShare >= 0.2 {
		t.Errorf("measured late share %v: want some, under the 0.2 drawn (most late parties still check in inside their window)", c.LateShare)
	}
	// The actual waits are the run's own.
	for _, a := range rep.Actual {
		var ws []wrec
		people := 0
		for _, o := range r.Outcomes() {
			if o.Site == a.Site {
				ws = append(ws, wrec{o.Wait.Minutes(), o.Size})
				people += o.Size
			}
		}
		_, p95, _, _, _ := percentiles(ws)
		if a.People != people || math.Abs(a.WaitP95-p95) > 0.05 {
			t.Errorf("%s: actual %d people, p95 %.2f; the run had %d, %.2f", a.Site, a.People, a.WaitP95, people, p95)
		}
	}
	// With the measured parameters the model comes closer to the day
	// than with the defaults (the desks were slower than planned).
	var gap0, gap1 float64
	for _, a := range rep.Actual {
		gap0 += math.Abs(site(rep.Predicted, a.Site).WaitP95.Mean - a.WaitP95)
		gap1 += math.Abs(site(rep.Refit, a.Site).WaitP95.Mean - a.WaitP95)
	}
	if gap1 >= gap0 {
		t.Errorf("wait p95 off by %.1f min with the measured parameters, %.1f with the defaults: calibration did not help", gap1, gap0)
	}
	var out bytes.Buffer
	WriteReplay(&out, rep)
	if !strings.Contains(out.String(), "to calibrate: --rate ") {
		t.Errorf("replay report lacks the calibration line:\n%s", out.String())
	}
}

func TestSimulateReadLogErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"ticket,site\n1,s1\n", `lacks the column "party"`},
		{"party,site,window_start,window_end,checked_in_at,sampled_at\nx,s1,,,,\n", `line 2: party "x"`},
		{"party,site,window_start,window_end,checked_in_at,sampled_at\n2,s1,07:00,,,\n", `line 2: window_start "07:00" is not an RFC 3339 time`},
		{`[{"party":0,"site":"s1"}]`, "entry 0: party 0"},
		{"", "empty"},
	} {
		_, err := ReadLog(strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ReadLog(%q) = %v, want an error saying %q", tc.in, err, tc.want)
		}
	}
}
