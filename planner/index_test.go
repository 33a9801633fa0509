package planner

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"natq/planner/synth"
)

// TestIndexFindsWhatAScanFinds fills every compound twice, through the
// grid and by testing every feature of the file as fill did before there
// was one, and wants the same compounds, feature for feature, or the same
// error. The inputs are cities packed so tight that compounds overlap and
// each one's walkways, doors, gates and sites lie within reach of its
// neighbours', a city as natq-synth makes it, and the real files.
func TestIndexFindsWhatAScanFinds(t *testing.T) {
	inputs := map[string][]byte{}
	for _, spacing := range []float64{120, 200, 300, 1000} {
		var buf bytes.Buffer
		if _, err := synth.WriteCity(&buf, synth.CityOptions{Compounds: 30, Seed: 5, Spacing: spacing}); err != nil {
			t.Fatal(err)
		}
		inputs[fmt.Sprintf("city spaced %.0f m", spacing)] = buf.Bytes()
	}
	for _, f := range []string{"../testdata/contest.geojson", "../testdata/real/beijing_tsinghua_compounds.osm",
		"../testdata/real/shanghai_shu_baoshan.osm", "../testdata/real/spb_galernaya_block.osm"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs[f] = data
	}
	for name, data := range inputs {
		t.Run(name, func(t *testing.T) {
			fill := func(scanAll bool) (string, int) {
				src, err := Read(name, data)
				if err != nil {
					t.Fatal(err)
				}
				src.scanAll = scanAll
				cs, err := src.Compounds(Selection{})
				if err != nil {
					return "error: " + err.Error(), 0
				}
				var b strings.Builder
				for _, c := range cs {
					b.WriteString(digest(c))
				}
				return b.String(), len(cs)
			}
			got, n := fill(false)
			want, _ := fill(true)
			if got != want {
				t.Errorf("through the index:\n%.3000s\nby a scan of every feature:\n%.3000s", got, want)
			}
			t.Logf("%d compounds, %d bytes of digest", n, len(got))
		})
	}
}

// digest is everything fill gives a compound, as text.
func digest(c *Compound) string {
	var b strings.Builder
	fmt.Fprintf(&b, "compound %s %q highways %d sheltered %d\n", c.ID, c.Name, c.HighwayWays, c.ShelteredWays)
	for _, x := range c.Buildings {
		fmt.Fprintf(&b, "  building %s %q res %d units %d sealed %v area %.3f entrances", x.ID, x.Name, x.Residents, x.Units, x.Sealed, x.Area)
		for _, e := range x.Entrances {
			fmt.Fprintf(&b, " %s%v@%v", e.ID, e.Inferred, e.Plane)
		}
		b.WriteString("\n")
	}
	for _, w := range c.Walkways {
		fmt.Fprintf(&b, "  walkway %s %s %v %v\n", w.ID, w.Highway, w.Sheltered, w.Plane)
	}
	for _, s := range c.Sites {
		fmt.Fprintf(&b, "  site %s %q outside %v inferred %v area %.3f joints %d\n", s.ID, s.Name, s.Outside, s.Inferred, s.Area, len(s.joints))
	}
	for _, g := range c.Gates {
		fmt.Fprintf(&b, "  gate %s %v\n", g.ID, g.Plane)
	}
	for _, w := range c.Warnings {
		fmt.Fprintf(&b, "  warning %s\n", w)
	}
	return b.String()
}
