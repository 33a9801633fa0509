package planner

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/paulmach/orb/planar"
)

// Counts are what a file or a compound holds, as natq recognised it.
type Counts struct {
	Buildings, Dwellings                 int
	Residents, ResidentsEstimated        int // people; of them estimated
	Entrances, EntrancesInferred         int
	HighwayWays, ShelteredWays, Walkways int
	WalkwayMetres, ShelteredMetres       float64
	Sites, SitesSheltered, Gates, Sealed int
	Compounds                            int
}

// Totals counts the whole file's features, whatever compound they are in,
// so that they can be checked against the file's own statistics.
func (s *Source) Totals() Counts {
	var t Counts
	for i := range s.features {
		f := &s.features[i]
		switch {
		case isCompound(f):
			t.Compounds++
		}
		switch {
		case isBuilding(f):
			t.Buildings++
			if !nonDwelling[f.tags.get("building")] {
				t.Dwellings++
			}
			if yes(f.tags.get("natq:sealed")) {
				t.Sealed++
			}
		case isHighway(f):
			t.HighwayWays++
			if isSheltered(f.tags) {
				t.ShelteredWays++
			}
			if isWalkable(f) {
				t.Walkways++
			}
		case isSite(f):
			t.Sites++
			if siteSheltered(f.tags) {
				t.SitesSheltered++
			}
		case isEntrance(f):
			t.Entrances++
		case isGate(f):
			t.Gates++
		}
	}
	return t
}

// Counts counts what the compound holds after natq's inferences.
func (c *Compound) Counts() Counts {
	t := Counts{Compounds: 1, HighwayWays: c.HighwayWays, ShelteredWays: c.ShelteredWays, Gates: len(c.Gates)}
	for _, b := range c.Buildings {
		t.Buildings++
		if b.Dwelling {
			t.Dwellings++
		}
		if b.Sealed {
			t.Sealed++
		}
		t.Residents += b.Residents
		if b.ResidentsEstimated {
			t.ResidentsEstimated += b.Residents
		}
		for _, e := range b.Entrances {
			t.Entrances++
			if e.Inferred {
				t.EntrancesInferred++
			}
		}
	}
	ways := map[string]bool{}
	for _, w := range c.Walkways {
		ways[w.ID] = true
		l := planar.Length(w.Plane)
		t.WalkwayMetres += l
		if w.Sheltered {
			t.ShelteredMetres += l
		}
	}
	t.Walkways = len(ways)
	for _, s := range c.Sites {
		t.Sites++
		if s.Sheltered {
			t.SitesSheltered++
		}
	}
	return t
}

// WriteInspect prints the file's totals and then each compound's: what natq
// recognised, what it inferred, and every warning.
func WriteInspect(w io.Writer, s *Source, cs []*Compound) {
	t := s.Totals()
	fmt.Fprintf(w, "%s (%s)\n", s.Name, s.Format)
	fmt.Fprintf(w, "  file totals / 全文件:\n")
	fmt.Fprintf(w, "    compounds 小区           %d\n", t.Compounds)
	fmt.Fprintf(w, "    buildings 楼栋           %d (%d dwellings)\n", t.Buildings, t.Dwellings)
	fmt.Fprintf(w, "    highway ways 道路        %d (%d walkable, %d covered)\n", t.HighwayWays, t.Walkways, t.ShelteredWays)
	fmt.Fprintf(w, "    entrances 单元门         %d\n", t.Entrances)
	fmt.Fprintf(w, "    gates 大门               %d\n", t.Gates)
	fmt.Fprintf(w, "    candidate sites 采样点候选 %d (%d sheltered)\n", t.Sites, t.SitesSheltered)
	for _, msg := range s.warnings {
		fmt.Fprintf(w, "  warning: %s\n", msg)
	}
	for _, c := range cs {
		k := c.Counts()
		title := c.Name
		if title != c.ID {
			title += " (" + c.ID + ")"
		}
		if c.Whole {
			title += ", the whole file as one area"
		}
		fmt.Fprintf(w, "\ncompound 小区 %s\n", title)
		fmt.Fprintf(w, "  buildings 楼栋      %d (%d dwellings, %d sealed)\n", k.Buildings, k.Dwellings, k.Sealed)
		fmt.Fprintf(w, "  residents 居民      %d (%d given, %d estimated)\n", k.Residents, k.Residents-k.ResidentsEstimated, k.ResidentsEstimated)
		fmt.Fprintf(w, "  entrances 单元门    %d (%d given, %d inferred)\n", k.Entrances, k.Entrances-k.EntrancesInferred, k.EntrancesInferred)
		fmt.Fprintf(w, "  highway ways 道路   %d (%d covered)\n", k.HighwayWays, k.ShelteredWays)
		fmt.Fprintf(w, "  walkways 步行道     %d ways, %.0f m (%.0f m sheltered, %.0f m not)\n", k.Walkways, k.WalkwayMetres, k.ShelteredMetres, k.WalkwayMetres-k.ShelteredMetres)
		fmt.Fprintf(w, "  sites 采样点候选    %d (%d sheltered, %d open)\n", k.Sites, k.SitesSheltered, k.Sites-k.SitesSheltered)
		fmt.Fprintf(w, "  gates 大门          %d\n", k.Gates)
		if c.Net != nil && len(c.Net.Parts) > 0 {
			fmt.Fprintf(w, "  walkway network     %d part(s)\n", len(c.Net.Parts))
			for i, p := range c.Net.Parts {
				if i == 8 {
					fmt.Fprintf(w, "    ... and %d more small parts\n", len(c.Net.Parts)-i)
					break
				}
				fmt.Fprintf(w, "    part %d: %s\n", i+1, p)
			}
		}
		for _, msg := range c.inspectWarnings() {
			fmt.Fprintf(w, "  warning: %s\n", msg)
		}
	}
}

// inspectWarnings are the problems inspect can see before planning.
func (c *Compound) inspectWarnings() []string {
	var out []string
	out = append(out, c.Warnings...)
	if len(c.Buildings) == 0 {
		out = append(out, "no buildings inside this compound: nothing to plan")
	}
	var far []string
	for _, b := range c.Buildings {
		joined := false
		for _, e := range b.Entrances {
			if e.node >= 0 {
				joined = true
			}
		}
		if !joined && b.Residents > 0 {
			far = append(far, b.Label())
		}
	}
	sort.Strings(far)
	if len(far) > 0 {
		out = append(out, fmt.Sprintf("%d buildings have no walkway within %.0f m of their door: %s", len(far), MaxJoin, strings.Join(far, ", ")))
	}
	for _, s := range c.Sites {
		if s.node < 0 {
			out = append(out, fmt.Sprintf("site %s (%s): no walkway within %.0f m of it: not used", s.Name, s.ID, MaxJoin))
		}
	}
	return out
}
