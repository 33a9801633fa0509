package planner

import (
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// dryLength is the shortest walkway distance from entrance e to site s,
// +Inf when the network does not join them.
func dryLength(c *Compound, s *Site, e *Entrance) float64 {
	if s.node < 0 || e.node < 0 {
		return math.Inf(1)
	}
	t := c.Net.shortest(s.node, c.Net.edgeCosts(Dry, 4))
	if math.IsInf(t.cost[e.node], 1) {
		return math.Inf(1)
	}
	return t.length[e.node]
}

func oneSite(t *testing.T, c *Compound) *Site {
	t.Helper()
	if len(c.Sites) != 1 {
		t.Fatalf("compound has %d sites, want 1", len(c.Sites))
	}
	return c.Sites[0]
}

// TestSnapLooseEnds draws a path whose end stops short of the main way,
// as hand-drawn files do: within SnapDistance it is joined, beyond it the
// path is a part of its own and its building reaches no site.
func TestSnapLooseEnds(t *testing.T) {
	tests := []struct {
		gap   float64
		parts int
		want  float64 // door to site: 60 m down the path (gap included) and 50 m along
	}{
		{0, 1, 110},
		{0.5, 1, 110},
		{0.99, 1, 110},
		{1.5, 2, math.Inf(1)},
		{5, 2, math.Inf(1)},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("gap%gm", tt.gap), func(t *testing.T) {
			d := drawAt(testOrigin)
			d.way("main", nil, orb.Point{0, 0}, orb.Point{100, 0})
			d.way("path", nil, orb.Point{50, tt.gap}, orb.Point{50, 60})
			d.site("s1", false, square(-10, -10, 0, 0)...)
			d.building("b1", 10, square(40, 60, 60, 80)...)
			d.entrance("e1", orb.Point{50, 60})
			c := d.compound(t)
			if got := len(c.Net.Parts); got != tt.parts {
				t.Errorf("Parts = %d (%s), want %d", got, strings.TrimSpace(c.Net.describeParts()), tt.parts)
			}
			got := dryLength(c, oneSite(t, c), c.Buildings[0].Entrances[0])
			if math.IsInf(tt.want, 1) != math.IsInf(got, 1) || math.Abs(got-tt.want) > 0.01 {
				t.Errorf("Route(%q) = %.3f m, want %.3f", "b1", got, tt.want)
			}
		})
	}
}

// TestManyDoorsOnOneWay joins many doors, on the way and off it, to one
// 200 m way, which is split at each: every door is its offset plus its
// distance along the way from the site at the west end, and the pieces
// still add up to 200 m.
func TestManyDoorsOnOneWay(t *testing.T) {
	for seed := int64(1); seed <= 20; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rng := rand.New(rand.NewSource(seed))
			d := drawAt(testOrigin)
			d.way("main", nil, orb.Point{0, 0}, orb.Point{200, 0})
			d.site("s1", false, square(-10, -10, 0, 0)...)
			want := map[string]float64{}
			slots := rng.Perm(38) // doors at least 5 m apart along the way
			for k, slot := range slots[:12] {
				x := 5 + 5*float64(slot) + rng.Float64()
				for side, y := range []float64{-float64(rng.Intn(15)), 1 + float64(rng.Intn(15))} {
					if side == 1 && k%3 != 0 {
						continue // now and then a door across the way, at the same x
					}
					id := fmt.Sprintf("b%d-%d", k, side)
					if y <= 0 {
						d.building(id, 10, square(x-1, y-4, x+1, y)...)
					} else {
						d.building(id, 10, square(x-1, y, x+1, y+4)...)
					}
					d.entrance("e-"+id, orb.Point{x, y})
					want[id] = x + math.Abs(y)
				}
			}
			c := d.compound(t)
			s := oneSite(t, c)
			for _, b := range c.Buildings {
				if len(b.Entrances) != 1 {
					t.Fatalf("building %s has %d entrances, want 1", b.ID, len(b.Entrances))
				}
				if got := dryLength(c, s, b.Entrances[0]); math.Abs(got-want[b.ID]) > 0.01 {
					t.Errorf("Route(%q) = %.3f m, want %.3f", b.ID, got, want[b.ID])
				}
			}
			if len(c.Net.Parts) != 1 || math.Abs(c.Net.Parts[0].Metres-200) > 0.01 {
				t.Errorf("Parts = %s, want one of 200 m", c.Net.describeParts())
			}
		})
	}
}

// TestPartsNamed checks disconnected walkways are found and named for a
// coordinator, the largest part first.
func TestPartsNamed(t *testing.T) {
	d := drawAt(testOrigin)
	d.way("w1", map[string]string{"name": "长江路"}, orb.Point{0, 0}, orb.Point{300, 0})
	d.way("w2", nil, orb.Point{0, 100}, orb.Point{50, 100})
	d.way("w3", map[string]string{"covered": "yes"}, orb.Point{50, 100}, orb.Point{50, 120})
	d.site("s1", false, square(-10, -10, 0, 0)...)
	d.building("b1", 10, square(0, 101, 20, 121)...)
	c := d.compound(t)
	want := []Part{
		{Name: "长江路 (w1)", Walkways: 1, Metres: 300, Sites: 1, Main: true},
		{Name: "footway w2", Walkways: 2, Metres: 70, Sheltered: 20},
	}
	if len(c.Net.Parts) != len(want) {
		t.Fatalf("Parts = %s, want %d", c.Net.describeParts(), len(want))
	}
	for i, w := range want {
		got := c.Net.Parts[i]
		if got.Name != w.Name || got.Walkways != w.Walkways || math.Abs(got.Metres-w.Metres) > 0.01 ||
			math.Abs(got.Sheltered-w.Sheltered) > 0.01 || got.Sites != w.Sites || got.Main != w.Main {
			t.Errorf("Parts[%d] = %+v, want %+v", i, got, w)
		}
	}
}

func TestWalkableAndSheltered(t *testing.T) {
	tests := []struct {
		tags                map[string]string
		walkable, sheltered bool
	}{
		{map[string]string{"highway": "footway"}, true, false},
		{map[string]string{"highway": "footway", "covered": "yes"}, true, true},
		{map[string]string{"highway": "footway", "covered": "arcade"}, true, true},
		{map[string]string{"highway": "footway", "covered": "colonnade"}, true, true},
		{map[string]string{"highway": "service", "tunnel": "building_passage"}, true, true},
		{map[string]string{"highway": "corridor", "indoor": "yes"}, true, true},
		{map[string]string{"highway": "footway", "covered": "no"}, true, false},
		{map[string]string{"highway": "service", "tunnel": "yes"}, true, false},
		{map[string]string{"highway": "service", "access": "no"}, false, false},
		{map[string]string{"highway": "service", "access": "no", "foot": "yes"}, true, false},
		{map[string]string{"highway": "service", "access": "private"}, true, false},
		{map[string]string{"highway": "footway", "foot": "no"}, false, false},
		{map[string]string{"highway": "motorway"}, false, false},
		{map[string]string{"highway": "steps"}, true, false},
	}
	for _, tt := range tests {
		f := &feature{tags: tagsOf(tt.tags), geom: orb.LineString{{0, 0}, {1, 1}}}
		if got := isWalkable(f); got != tt.walkable {
			t.Errorf("isWalkable(%v) = %v, want %v", tt.tags, got, tt.walkable)
		}
		if got := isSheltered(tagsOf(tt.tags)); got != tt.sheltered {
			t.Errorf("isSheltered(%v) = %v, want %v", tt.tags, got, tt.sheltered)
		}
	}
}

// describeParts names the parts for a coordinator: one line each.
func (n *Network) describeParts() string {
	var b strings.Builder
	for i, p := range n.Parts {
		fmt.Fprintf(&b, "part %d: %s\n", i+1, p)
	}
	return b.String()
}
