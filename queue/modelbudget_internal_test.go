package queue

import (
	"testing"
	"time"
)

// TestModelBudget: the model's budget fills at its share of the cores up
// to two seconds' worth, a run takes the time it took (past what is left),
// and no run may start until what was overdrawn is earned back.
func TestModelBudget(t *testing.T) {
	t0 := time.Date(2026, 4, 4, 7, 0, 0, 0, time.UTC)
	now := t0
	at := func(d time.Duration) { now = t0.Add(d) }
	b := newModelBudget(0.25, 2) // half a core: 0.5 model seconds a second, up to 1
	b.now = func() time.Time { return now }
	b.at, b.have = now, b.max
	if b.rate != 0.5 || b.max != 1 {
		t.Fatalf("budget of a quarter of two cores = %v a second up to %v, want 0.5 up to 1", b.rate, b.max)
	}
	run := func(from, to time.Duration) {
		at(from)
		done := b.start()
		at(to)
		done()
	}
	if !b.allows() {
		t.Fatal("a full budget refuses a run")
	}
	run(0, 1500*time.Millisecond) // 1.5 s of model time, 0.75 s earned meanwhile, capped at 1
	if b.allows() {
		t.Errorf("after a run of 1.5 s from a full budget of 1 s the budget allows another (%.3f s left)", b.have)
	}
	at(2499 * time.Millisecond) // -0.5 + 0.4995
	if b.allows() {
		t.Errorf("999 ms after overdrawing 0.5 s at 0.5 s a second the budget allows a run (%.4f s left)", b.have)
	}
	at(2600 * time.Millisecond)
	if !b.allows() {
		t.Errorf("1.1 s after overdrawing 0.5 s at 0.5 s a second the budget refuses a run (%.4f s left)", b.have)
	}
	at(time.Hour)
	if b.allows(); b.have != b.max {
		t.Errorf("an hour idle leaves %v s in the budget, want its size %v", b.have, b.max)
	}
	var none *modelBudget // a share of 0 or less: no bound
	if newModelBudget(0, 2) != nil || newModelBudget(-1, 2) != nil || !none.allows() {
		t.Error("a budget of no share bounds the model")
	}
	none.start()()
}
