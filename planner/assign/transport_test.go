package assign

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

// TestTransportRounding solves the relaxation on which a 384-building
// compound's wet day hung (natq-synth -random 1 -buildings 384 -sites 24,
// 180 desks: 364 buildings at its 6 sheltered sites): a reduced cost of
// -1.1e-12 re-parented a settled site, and the path walk looped for ever.
// It must end, place no more than each building has and each site takes,
// and its optimum must be the cost of its flow.
func TestTransportRounding(t *testing.T) {
	data, err := os.ReadFile("testdata/transport-rounding.json")
	if err != nil {
		t.Fatal(err)
	}
	var in struct {
		Load []int
		Cost [][]float64 // -1: out of reach
		Caps []int
	}
	if err := json.Unmarshal(data, &in); err != nil {
		t.Fatal(err)
	}
	p := &Problem{Load: in.Load, Cost: in.Cost, MaxDesks: make([]int, len(in.Caps))}
	for _, row := range p.Cost {
		for s, c := range row {
			if c < 0 {
				row[s] = math.Inf(1)
			}
		}
	}
	total, flow, placed := p.transport(in.Caps)
	at := make([]int, len(in.Caps))
	cost, people, room, moved := 0.0, 0, 0, 0
	for b, row := range flow {
		sum := 0
		for s, f := range row {
			if f < 0 || f > 0 && math.IsInf(p.Cost[b][s], 1) {
				t.Fatalf("building %d: %d people at site %d (cost %v)", b, f, s, p.Cost[b][s])
			}
			sum += f
			at[s] += f
			cost += float64(f) * p.Cost[b][s]
		}
		if sum > p.Load[b] {
			t.Fatalf("building %d: %d people placed of %d", b, sum, p.Load[b])
		}
		people += p.Load[b]
		moved += sum
	}
	for s, n := range at {
		if n > in.Caps[s] {
			t.Fatalf("site %d: %d people, room for %d", s, n, in.Caps[s])
		}
		room += in.Caps[s]
	}
	if want := min(people, room); moved != want || placed != (moved == people) {
		t.Errorf("placed %d of %d people (room %d), placed=%v", moved, people, room, placed)
	}
	if math.Abs(cost-total) > 1e-6*math.Max(1, cost) {
		t.Errorf("optimum %v, but the flow costs %v", total, cost)
	}
}
