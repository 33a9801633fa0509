package planner

import (
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// The battle map's people: who stands where on the day.

// A Post is one person's place on the battle map.
type Post struct {
	Role     string // coordinator, marshal, caller, guard
	Label    string
	At       orb.Point // plane
	Site     *Site
	Building *Building
}

// posts places the day's people: a coordinator at each used site, a
// marshal every MarshalEvery metres of queue line, a caller at each door of
// each scheduled building, a guard at each gate.
func (vp *VariantPlan) posts(c *Compound, p Params) []Post {
	var out []Post
	for _, s := range vp.Sites {
		if vp.Desks[s] == 0 {
			continue
		}
		l := s.Layout
		out = append(out, Post{Role: "coordinator", Label: fmt.Sprintf("协调员 coordinator %s", siteName(s)), At: l.Desks[0], Site: s})
		// Marshals cover the stretch of line one window can fill.
		inUse := math.Min(l.Length, float64(p.windowCap(vp.Desks[s], len(l.Markers)))*p.Spacing)
		k := max(1, int(math.Ceil(inUse/p.MarshalEvery)))
		for i := 0; i < k; i++ {
			at := pointAlong(l.Line, math.Min(l.Length, (float64(i)+0.5)*p.MarshalEvery))
			out = append(out, Post{Role: "marshal", Label: fmt.Sprintf("引导员 marshal %s #%d", siteName(s), i+1), At: at, Site: s})
		}
	}
	bs := make([]*Building, 0, len(vp.Site))
	for b := range vp.Site {
		bs = append(bs, b)
	}
	sort.Slice(bs, func(i, j int) bool { return bs[i].ID < bs[j].ID })
	for _, b := range bs {
		for _, e := range b.Entrances {
			out = append(out, Post{Role: "caller", Label: fmt.Sprintf("楼长 caller %s %s", b.Name, e.Ref), At: e.Plane, Site: vp.Site[b], Building: b})
		}
	}
	for _, g := range c.Gates {
		out = append(out, Post{Role: "guard", Label: fmt.Sprintf("门岗 guard %s", firstNonEmpty(g.Name, g.ID)), At: g.Plane})
	}
	return out
}

func siteName(s *Site) string { return firstNonEmpty(s.Name, s.ID) }

func firstNonEmpty(a ...string) string {
	for _, s := range a {
		if s != "" {
			return s
		}
	}
	return ""
}
