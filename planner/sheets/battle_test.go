package sheets

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// TestBattleStaffTotal checks that the battle map's staff totals are the
// plan's: by role and in all, the report's figures of each variant, on
// the contest compound, 荷清苑 and the Shanghai real file; and that the
// total printed is that figure.
func TestBattleStaffTotal(t *testing.T) {
	for name, p := range map[string]*Plan{"contest": loadContest(t), "heqingyuan": loadPlanned(t, "heqingyuan"), "shanghai": planShanghai(t)} {
		for _, v := range p.Variants {
			t.Run(name+"/"+v, func(t *testing.T) {
				fig := p.Report.Figures[v]
				if fig == nil {
					t.Fatalf("the plan reports no figures for %s", v)
				}
				rows, total := staffRows(p, v)
				if total != fig.Staff {
					t.Errorf("staffRows(%s) total = %d, want the report's staff %d", v, total, fig.Staff)
				}
				got := map[string]int{}
				for _, r := range rows {
					if r.n > 0 {
						got[r.role] = r.n
					}
				}
				if fmt.Sprint(got) != fmt.Sprint(fig.StaffByRole) {
					t.Errorf("staffRows(%s) by role = %v, want the report's %v", v, got, fig.StaffByRole)
				}
				var buf bytes.Buffer
				if err := BattleMap(&buf, p, v, SVG, testOpts); err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(buf.String(), fmt.Sprintf(">%d</", fig.Staff)) {
					t.Errorf("battle map %s prints no %d", v, fig.Staff)
				}
			})
		}
	}
}

// TestWetCanopies checks that the wet battle map draws a canopy for each
// one the plan puts over an open site, and says so in the legend; the dry
// map draws none.
func TestWetCanopies(t *testing.T) {
	p := loadContest(t)
	for _, v := range p.Variants {
		want := 0
		for _, s := range p.UsedSites(v) {
			if !s.Sheltered {
				want += s.Canopies
			}
		}
		if fig := p.Report.Figures[v]; fig == nil || fig.Canopies != want {
			t.Fatalf("%s: sites' canopies %d, report %+v: the plan disagrees with itself", v, want, fig)
		}
		if v == "wet" && want == 0 {
			t.Fatalf("the contest plan puts up no canopies on a wet day: nothing to test")
		}
		var buf bytes.Buffer
		if err := BattleMap(&buf, p, v, SVG, testOpts); err != nil {
			t.Fatal(err)
		}
		if got := len(svgPaths(buf.String(), "canopy")); got != want {
			t.Errorf("battle map %s draws %d canopies, want the plan's %d", v, got, want)
		}
		legend := strings.Contains(buf.String(), "Canopy")
		if legend != (want > 0) {
			t.Errorf("battle map %s: canopy in the legend = %v with %d canopies", v, legend, want)
		}
	}
}
