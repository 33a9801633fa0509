package sheets

import (
	"bytes"
	"encoding/json"
	"image/color"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tdewolff/canvas"

	"natq/planner"
)

// TestLabelsDoNotOverlap prints the battle maps and building sheets of
// the contest compound and of the real Shanghai file as SVG and checks,
// from the SVG's own coordinates, that no two label boxes intersect and
// that no label box sits on a route.
func TestLabelsDoNotOverlap(t *testing.T) {
	for _, c := range realPlans(t) {
		p := c.plan
		sheets := map[string]func(*bytes.Buffer) error{}
		for _, v := range p.Variants {
			sheets["battle-"+v] = func(w *bytes.Buffer) error { return BattleMap(w, p, v, SVG, testOpts) }
		}
		for _, b := range p.Buildings[:min(6, len(p.Buildings))] {
			sheets["building-"+b.ID] = func(w *bytes.Buffer) error { return BuildingSheet(w, p, b.ID, SVG, testOpts) }
		}
		for name, draw := range sheets {
			t.Run(c.name+"/"+name, func(t *testing.T) {
				var buf bytes.Buffer
				if err := draw(&buf); err != nil {
					t.Fatal(err)
				}
				boxes := svgPaths(buf.String(), "label-box")
				// A building sheet's map shows the building's walk and
				// what is near it: its name, its site's, a neighbour's.
				least := 5
				if strings.HasPrefix(name, "building") {
					least = 3
				}
				if len(boxes) < least {
					t.Fatalf("%d label boxes in the SVG, want the map's names (%d or more)", len(boxes), least)
				}
				rects := make([]canvas.Rect, len(boxes))
				for i, b := range boxes {
					rects[i] = boundOf(b)
				}
				for i := range rects {
					for j := i + 1; j < len(rects); j++ {
						a, b := rects[i], rects[j]
						if a.X0 < b.X1 && b.X0 < a.X1 && a.Y0 < b.Y1 && b.Y0 < a.Y1 {
							t.Errorf("label boxes %d %v and %d %v intersect", i, a, j, b)
						}
					}
				}
				for _, route := range svgPaths(buf.String(), "route") {
					for k := 1; k < len(route); k++ {
						s := [4]float64{route[k-1][0], route[k-1][1], route[k][0], route[k][1]}
						for i, r := range rects {
							if i == 0 && name[:8] == "building" {
								continue // the reader's own building is named even on its route
							}
							if segmentHitsRect(s, r) {
								t.Errorf("label box %d %v sits on a route segment %v", i, r, s)
							}
						}
					}
				}
			})
		}
	}
}

// planShanghai plans the real Shanghai file as one area.
func planShanghai(t *testing.T) *Plan {
	t.Helper()
	data, err := os.ReadFile("../../testdata/real/shanghai_shu_baoshan.osm")
	if err != nil {
		t.Fatal(err)
	}
	src, err := planner.Read("shanghai_shu_baoshan.osm", data)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := src.Compounds(planner.Selection{WholeFile: true, WholeID: "shanghai"})
	if err != nil {
		t.Fatal(err)
	}
	params := planner.DefaultParams()
	params.Desks, params.Date, params.TZ = 40, "2026-12-01", "Asia/Shanghai"
	pl, err := planner.Make(cs[0], params)
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(pl.FeatureCollection())
	if err != nil {
		t.Fatal(err)
	}
	p, err := Load(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var (
	svgPath  = regexp.MustCompile(`<path d="([^"]*)"[^>]*class="([^"]*)"`)
	svgToken = regexp.MustCompile(`[MLHVZz]|-?[0-9]*\.?[0-9]+(?:e-?[0-9]+)?`)
)

// svgPaths are the points of every path of a class (absolute M, L, H, V
// commands, as the canvas writes them), in SVG page millimetres.
func svgPaths(svg, class string) [][][2]float64 {
	var out [][][2]float64
	for _, m := range svgPath.FindAllStringSubmatch(svg, -1) {
		classes := regexp.MustCompile(`\b` + regexp.QuoteMeta(class) + `\b`)
		if !classes.MatchString(m[2]) {
			continue
		}
		var pts [][2]float64
		var cur [2]float64
		cmd := "M"
		var nums []float64
		flush := func() {
			switch cmd {
			case "M", "L":
				for i := 0; i+1 < len(nums); i += 2 {
					cur = [2]float64{nums[i], nums[i+1]}
					pts = append(pts, cur)
				}
			case "H":
				for _, n := range nums {
					cur[0] = n
					pts = append(pts, cur)
				}
			case "V":
				for _, n := range nums {
					cur[1] = n
					pts = append(pts, cur)
				}
			}
			nums = nums[:0]
		}
		for _, tok := range svgToken.FindAllString(m[1], -1) {
			if n, err := strconv.ParseFloat(tok, 64); err == nil {
				nums = append(nums, n)
				continue
			}
			flush()
			cmd = tok
		}
		flush()
		out = append(out, pts)
	}
	return out
}

func boundOf(pts [][2]float64) canvas.Rect {
	r := canvas.Rect{X0: pts[0][0], Y0: pts[0][1], X1: pts[0][0], Y1: pts[0][1]}
	for _, p := range pts {
		r.X0, r.Y0 = min(r.X0, p[0]), min(r.Y0, p[1])
		r.X1, r.Y1 = max(r.X1, p[0]), max(r.Y1, p[1])
	}
	return r
}

// TestSiteColoursDistinct: no two sites share a colour on the battle map,
// however many there are.
func TestSiteColoursDistinct(t *testing.T) {
	for _, n := range []int{1, 8, 10, 16, 40} {
		cs := siteColours(n)
		if len(cs) != n {
			t.Fatalf("siteColours(%d) gave %d colours", n, len(cs))
		}
		seen := map[color.RGBA]int{}
		for i, c := range cs {
			if j, ok := seen[c]; ok {
				t.Errorf("siteColours(%d): sites %d and %d share %v", n, j, i, c)
			}
			seen[c] = i
		}
	}
}
