// Command mkfixture writes fixture.plan.geojson: a small hand-made plan
// following the plan file contract (package planner/planfile), laid out in
// local metres and converted to lon/lat with the same WGS84 radii the
// sheets project with.
//
//	go run ./planner/sheets/testdata/mkfixture > planner/sheets/testdata/fixture.plan.geojson
package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
)

const lon0, lat0 = 121.4400, 31.0300

var kx, ky float64

func init() {
	const a = 6378137.0
	const e2 = 0.00669437999014
	phi := lat0 * math.Pi / 180
	s := math.Sin(phi)
	w := 1 - e2*s*s
	kx = math.Pi / 180 * a / math.Sqrt(w) * math.Cos(phi)
	ky = math.Pi / 180 * a * (1 - e2) / (w * math.Sqrt(w))
}

func ll(x, y float64) []float64 {
	r := func(v float64) float64 { return math.Round(v*1e8) / 1e8 }
	return []float64{r(lon0 + x/kx), r(lat0 + y/ky)}
}

type pt = [2]float64

func line(ps ...pt) [][]float64 {
	out := [][]float64{}
	for _, p := range ps {
		out = append(out, ll(p[0], p[1]))
	}
	return out
}

func rect(x0, y0, x1, y1 float64) [][][]float64 {
	return [][][]float64{line(pt{x0, y0}, pt{x1, y0}, pt{x1, y1}, pt{x0, y1}, pt{x0, y0})}
}

type feature struct {
	Type       string         `json:"type"`
	ID         string         `json:"id,omitempty"`
	Geometry   map[string]any `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

var features []feature

func add(id, gtype string, coords any, props map[string]any) {
	features = append(features, feature{Type: "Feature", ID: id, Geometry: map[string]any{"type": gtype, "coordinates": coords}, Properties: props})
}

func main() {
	variants := []string{"dry", "wet"}
	type bld struct {
		id, name               string
		x0, y0, x1, y1         float64
		units, levels, res, hh int
		sealed                 bool
		dry, wet               string
		door                   pt
	}
	blds := []bld{
		{"w101", "1号楼", -50, 20, -20, 32, 2, 6, 72, 36, false, "s1", "s2", pt{-35, 20}},
		{"w102", "2号楼", -10, 20, 20, 32, 2, 6, 68, 34, false, "s1", "s2", pt{5, 20}},
		{"w103", "3号楼", -50, -25, -30, -10, 1, 5, 40, 20, true, "", "", pt{-40, -25}},
		{"w104", "荷花苑4号楼", 30, 20, 50, 45, 3, 11, 190, 95, false, "s1", "s2", pt{40, 20}},
	}
	// Sites: s1 an open court (dry only), s2 a covered bike shed (both).
	s1 := []float64{5, -40, 35, -10}
	s2 := []float64{-25, -5, -5, 10}
	for _, b := range blds {
		for _, v := range variants {
			site := b.dry
			if v == "wet" {
				site = b.wet
			}
			props := map[string]any{"natq:kind": "building", "natq:building": b.id, "name": b.name, "building": "residential",
				"natq:residents": b.res, "natq:residents_estimated": false, "natq:households": b.hh, "natq:units": b.units,
				"natq:levels": b.levels, "natq:sealed": b.sealed, "natq:variant": v, "natq:doortodoor": b.sealed}
			if site != "" {
				props["natq:site"] = site
			}
			add(b.id, "Polygon", rect(b.x0, b.y0, b.x1, b.y1), props)
		}
		add("", "Point", ll(b.door[0], b.door[1]), map[string]any{"natq:kind": "entrance", "natq:building": b.id, "natq:inferred": false, "ref": "1"})
	}
	add("n1", "Point", ll(0, -60), map[string]any{"natq:kind": "gate", "natq:gate": "n1", "name": "南门 South gate", "barrier": "gate"})
	add("n2", "Point", ll(-60, 55), map[string]any{"natq:kind": "gate", "natq:gate": "n2", "name": "北门 North gate", "barrier": "gate"})

	type siteUse struct {
		id, name  string
		box       []float64
		sheltered bool
		desks     map[string]int
	}
	sites := []siteUse{
		{"s1", "篮球场 Basketball court", s1, false, map[string]int{"dry": 2, "wet": 0}},
		{"s2", "自行车棚 Bike shed", s2, true, map[string]int{"dry": 1, "wet": 2}},
	}
	for _, s := range sites {
		for _, v := range variants {
			desks := s.desks[v]
			// Serpentine queue line: rows 1 m apart, whole metres long,
			// so that every corner carries a marker.
			x0, y0 := s.box[0]+2, s.box[1]+2
			rowLen, rows := math.Floor(s.box[2]-s.box[0]-4), 4
			if s.id == "s2" {
				rowLen, rows = 12, 5
			}
			var ls []pt
			for r := 0; r < rows; r++ {
				y := y0 + float64(r)
				if r%2 == 0 {
					ls = append(ls, pt{x0, y}, pt{x0 + rowLen, y})
				} else {
					ls = append(ls, pt{x0 + rowLen, y}, pt{x0, y})
				}
			}
			length := rowLen*float64(rows) + float64(rows-1)
			var markers []pt
			for i := 0; i+1 < len(ls); i++ {
				a, b := ls[i], ls[i+1]
				n := int(math.Round(math.Hypot(b[0]-a[0], b[1]-a[1])))
				for k := 0; k < n; k++ {
					t := float64(k) / float64(n)
					markers = append(markers, pt{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])})
				}
			}
			markers = append(markers, ls[len(ls)-1])
			props := map[string]any{"natq:kind": "site", "natq:site": s.id, "name": s.name, "natq:sheltered": s.sheltered,
				"natq:variant": v, "natq:max_desks": 4, "natq:desks": desks, "natq:line_capacity": len(markers), "natq:canopies": 0}
			add(s.id, "Polygon", rect(s.box[0], s.box[1], s.box[2], s.box[3]), props)
			if desks == 0 {
				continue
			}
			base := func(kind string) map[string]any {
				return map[string]any{"natq:kind": kind, "natq:site": s.id, "natq:variant": v}
			}
			add("", "Point", ll(ls[0][0], ls[0][1]), base("entry"))
			top := y0 + float64(rows) + 2
			for k := 0; k < desks; k++ {
				add("", "Point", ll(x0+2+float64(k)*3, top), base("desk"))
			}
			add("", "Point", ll(x0+2+float64(desks)*3+2, top+1), base("exit"))
			ql := base("queue_line")
			ql["natq:length_m"] = length
			add("", "LineString", line(ls...), ql)
			mk := base("marker")
			mk["natq:count"] = len(markers)
			add("", "MultiPoint", line(markers...), mk)
			post := func(role, label string, at pt, extra map[string]any) {
				p := map[string]any{"natq:kind": "post", "natq:variant": v, "natq:role": role, "natq:label": label}
				for k, x := range extra {
					p[k] = x
				}
				add("", "Point", ll(at[0], at[1]), p)
			}
			post("coordinator", "协调员 "+s.id, pt{x0 - 1, top}, map[string]any{"natq:site": s.id})
			post("marshal", "引导员 "+s.id+"-1", pt{x0 - 1, y0}, map[string]any{"natq:site": s.id})
			post("marshal", "引导员 "+s.id+"-2", pt{x0 + rowLen + 1, y0 + 2}, map[string]any{"natq:site": s.id})
		}
	}
	// Routes: entrance -> line start (to), desks -> entrance (back), on
	// separate walkways where they can be.
	for _, v := range variants {
		for _, b := range blds {
			site := b.dry
			if v == "wet" {
				site = b.wet
			}
			if site == "" {
				continue
			}
			var to, back []pt
			if site == "s1" {
				to = []pt{b.door, {b.door[0], 5}, {7, 5}, {7, -38}}
				back = []pt{{13, -31}, {33, -31}, {33, 8}, {b.door[0] + 2, 8}, {b.door[0] + 2, 20}}
			} else {
				to = []pt{b.door, {b.door[0], 14}, {-30, 14}, {-30, -3}, {-23, -3}}
				back = []pt{{-17, 3}, {-2, 3}, {-2, 12}, {b.door[0] + 2, 12}, {b.door[0] + 2, 20}}
			}
			for _, r := range []struct {
				dir string
				ls  []pt
			}{{"to", to}, {"back", back}} {
				l := 0.0
				for i := 1; i < len(r.ls); i++ {
					l += math.Hypot(r.ls[i][0]-r.ls[i-1][0], r.ls[i][1]-r.ls[i-1][1])
				}
				unc := l
				if v == "wet" {
					unc = math.Round(l * 0.2)
				}
				add("", "LineString", line(r.ls...), map[string]any{"natq:kind": "route", "natq:variant": v, "natq:building": b.id,
					"natq:site": site, "natq:direction": r.dir, "natq:length_m": math.Round(l), "natq:uncovered_m": unc, "natq:walk_s": math.Round(l / 1.2)})
			}
			add("", "Point", ll(b.door[0]-2, b.door[1]-2), map[string]any{"natq:kind": "post", "natq:variant": v, "natq:role": "caller",
				"natq:label": "喊号 " + b.name, "natq:building": b.id})
		}
		add("", "Point", ll(2, -58), map[string]any{"natq:kind": "post", "natq:variant": v, "natq:role": "guard", "natq:label": "门岗 南门"})
		add("", "Point", ll(-58, 53), map[string]any{"natq:kind": "post", "natq:variant": v, "natq:role": "guard", "natq:label": "门岗 北门"})
		add("", "LineString", line(pt{0, -60}, pt{0, -50}, pt{-40, -50}, pt{-40, -25}), map[string]any{"natq:kind": "visit", "natq:variant": v,
			"natq:length_m": 75, "natq:households": 20, "natq:walk_s": 63})
	}

	type group struct {
		Building string `json:"building"`
		Unit     string `json:"unit,omitempty"`
		Floors   []int  `json:"floors,omitempty"`
		People   int    `json:"people"`
	}
	type window struct {
		Variant  string  `json:"variant"`
		Site     string  `json:"site"`
		Start    string  `json:"start"`
		End      string  `json:"end"`
		Capacity int     `json:"capacity"`
		Groups   []group `json:"groups"`
	}
	var schedule []window
	for _, v := range variants {
		t := map[string]int{} // per site, minutes after 07:00
		for _, b := range blds {
			if b.sealed {
				continue
			}
			site := b.dry
			if v == "wet" {
				site = b.wet
			}
			per := b.res / b.units
			for u := 1; u <= b.units; u++ {
				for f0 := 1; f0 <= b.levels; f0 += 3 {
					f1 := min(f0+2, b.levels)
					m := t[site]
					t[site] += 15
					hm := func(m int) string { return fmt.Sprintf("2026-12-01T%02d:%02d:00+08:00", 7+m/60, m%60) }
					fl := []int{f0, f1} // first and last floor, as the planner writes them
					schedule = append(schedule, window{v, site, hm(m), hm(m + 15), 30,
						[]group{{Building: b.id, Unit: fmt.Sprint(u), Floors: fl, People: per * (f1 - f0 + 1) / b.levels}}})
				}
			}
		}
		schedule = append(schedule, window{v, "s2", "2026-12-01T16:30:00+08:00", "2026-12-01T16:45:00+08:00", 30,
			[]group{{Building: "students", People: 12}}})
	}

	fc := map[string]any{
		"type":          "FeatureCollection",
		"features":      features,
		"natq:compound": map[string]any{"id": "fixture", "name": "荷清苑测试小区"},
		"natq:params": map[string]any{"date": "2026-12-01", "tz": "Asia/Shanghai", "desks": 3, "rate": 120, "start": "07:00", "end": "12:00",
			"window": "15m", "spacing": 1.0, "rain_factor": 4, "walk_speed": 1.2, "students": "16:30-18:00", "student_share": 0.12,
			"marshal_every_m": 20, "variants": variants},
		"natq:schedule": schedule,
		"natq:report":   map[string]any{"dry": map[string]any{}, "wet": map[string]any{}, "assumptions": []string{"hand-made fixture"}},
		"natq:warnings": []string{},
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(fc); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
