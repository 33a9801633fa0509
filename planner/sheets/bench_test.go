package sheets

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"natq/planner/planfile"
)

// synthPlan is a compound of n buildings in rows, with a site per 25
// buildings, both variants, routes, posts, markers and a schedule: the
// shape of the contest compound (103 buildings) for timing.
func synthPlan(n int) *Plan {
	p := &Plan{File: &planfile.File{Compound: Compound{ID: "synth", Name: "合成小区"}, Variants: []string{"dry", "wet"}}}
	p.Params.Date, p.Params.TZ, p.Params.Spacing = "2026-12-01", "Asia/Shanghai", 1
	const perRow = 12
	nSites := (n + 24) / 25
	day := time.Date(2026, 12, 1, 7, 0, 0, 0, time.FixedZone("CST", 8*3600))
	for i := 0; i < nSites; i++ {
		x0, y0 := float64(i)*70, -80.0
		for _, v := range p.Variants {
			s := &Site{ID: fmt.Sprintf("s%d", i), Name: fmt.Sprintf("%d号采样点 Site %d", i+1, i+1), Variant: v, Desks: 2, Sheltered: v == "wet"}
			s.Area = orb.Polygon{{{x0, y0}, {x0 + 40, y0}, {x0 + 40, y0 + 30}, {x0, y0 + 30}, {x0, y0}}}
			for r := 0; r < 5; r++ {
				y := y0 + 2 + float64(r)
				a, b := x0+2, x0+32
				if r%2 == 1 {
					a, b = b, a
				}
				s.Line = append(s.Line, orb.Point{a, y}, orb.Point{b, y})
				for k := 0; k < 30; k++ {
					s.Markers = append(s.Markers, orb.Point{a + float64(k)*math.Copysign(1, b-a), y})
				}
			}
			s.LineLength = float64(len(s.Markers))
			s.DeskAt = []orb.Point{{x0 + 10, y0 + 20}, {x0 + 14, y0 + 20}}
			e, x := orb.Point{x0 + 2, y0 + 2}, orb.Point{x0 + 20, y0 + 22}
			s.Entry, s.Exit = &e, &x
			p.Sites = append(p.Sites, s)
			p.Posts = append(p.Posts, Post{Variant: v, Role: "coordinator", Site: s.ID, At: orb.Point{x0 + 5, y0 + 25}},
				Post{Variant: v, Role: "marshal", Site: s.ID, At: orb.Point{x0 + 1, y0 + 5}})
		}
	}
	for i := 0; i < n; i++ {
		x0, y0 := float64(i%perRow)*25, float64(i/perRow)*22
		b := &Building{ID: fmt.Sprintf("b%d", i), Name: fmt.Sprintf("%d号楼", i+1), Units: 3, Levels: 6, Residents: 100,
			Site: map[string]string{}, DoorToDoor: map[string]bool{}, Sealed: i%40 == 7}
		b.Outline = orb.MultiPolygon{{{{x0, y0}, {x0 + 18, y0}, {x0 + 18, y0 + 12}, {x0, y0 + 12}, {x0, y0}}}}
		p.Buildings = append(p.Buildings, b)
		door := orb.Point{x0 + 9, y0}
		p.Entrances = append(p.Entrances, Entrance{Building: b.ID, At: door})
		site := fmt.Sprintf("s%d", i*nSites/n)
		for _, v := range p.Variants {
			if b.Sealed {
				b.DoorToDoor[v] = true
				continue
			}
			b.Site[v] = site
			si := i * nSites / n
			to := orb.LineString{door, {x0 + 9, y0 - 4}, {float64(si)*70 + 2, y0 - 4}, {float64(si)*70 + 2, -78}}
			back := orb.LineString{{float64(si)*70 + 20, -58}, {x0 + 11, -58}, {x0 + 11, y0}}
			p.Routes = append(p.Routes, Route{Variant: v, Building: b.ID, Site: site, Direction: "to", Path: to},
				Route{Variant: v, Building: b.ID, Site: site, Direction: "back", Path: back})
			p.Posts = append(p.Posts, Post{Variant: v, Role: "caller", Building: b.ID, At: orb.Point{x0 + 7, y0 - 1}})
			for u := 1; u <= 3; u++ {
				for f := 1; f <= 6; f += 3 {
					start := day.Add(time.Duration(i*6+u*2+f/3) * 15 * time.Minute / 10)
					p.Schedule = append(p.Schedule, Window{Variant: v, Site: site, Start: start, End: start.Add(15 * time.Minute), Capacity: 30,
						Groups: []Group{{Building: b.ID, Unit: fmt.Sprint(u), Floors: []int{f, f + 1, f + 2}, People: 16}}})
				}
			}
		}
	}
	for _, v := range p.Variants {
		p.Gates = []Gate{{ID: "g1", Name: "南门 South gate", At: orb.Point{-10, -90}}}
		p.Posts = append(p.Posts, Post{Variant: v, Role: "guard", At: orb.Point{-8, -88}})
		p.Visits = append(p.Visits, Visit{Variant: v, Path: orb.LineString{{-10, -90}, {-10, 200}, {300, 200}}})
	}
	return p
}

func synthTickets(p *Plan, n int) []Ticket {
	var ts []Ticket
	day := time.Date(2026, 12, 1, 7, 0, 0, 0, time.FixedZone("CST", 8*3600))
	for i := 0; i < n; i++ {
		b := p.Buildings[i%len(p.Buildings)]
		tok := fmt.Sprintf("v1.%s.%d.%08x", b.ID, i, i*2654435761)
		ts = append(ts, Ticket{Compound: p.Compound.ID, Date: p.Params.Date, TZ: p.Params.TZ, Number: uint64(i + 1),
			Building: b.ID, Unit: "1", Room: fmt.Sprint(101 + i%6*100), Party: 1 + i%3, Token: tok, Site: "s0",
			Start: day, End: day.Add(15 * time.Minute), URL: "https://natq.example/t/" + tok})
	}
	return ts
}

// BenchmarkPrintAll prints every sheet of a 103-building compound as PDF,
// with 200 ticket cards: the goal is under 5 s.
//
//	go test ./planner/sheets -run '^$' -bench PrintAll -benchtime 3x
func BenchmarkPrintAll(b *testing.B) {
	p := synthPlan(103)
	tickets := synthTickets(p, 200)
	opts := Options{BaseURL: "https://natq.example"}
	if _, err := DefaultFonts(); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	for b.Loop() {
		files, err := PrintAll(dir, p, tickets, PDF, opts)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(files)), "files")
	}
}

func BenchmarkPrintAllSVG(b *testing.B) {
	p := synthPlan(103)
	tickets := synthTickets(p, 200)
	opts := Options{BaseURL: "https://natq.example"}
	dir := b.TempDir()
	for b.Loop() {
		if _, err := PrintAll(dir, p, tickets, SVG, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSynthCompound prints the battle maps and a building sheet of the
// 103-building synthetic compound (with -keep, into testdata/out, for a
// person to look at a crowded compound).
func TestSynthCompound(t *testing.T) {
	p := synthPlan(103)
	dir := outDir(t)
	for _, v := range p.Variants {
		path := filepath.Join(dir, "battle-"+v+".pdf")
		writeFile(t, path, func(w io.Writer) error { return BattleMap(w, p, v, PDF, testOpts) })
		text := tool(t, "pdftotext", path, "-")
		for _, want := range []string{"103号楼", "合计 Total"} {
			if !strings.Contains(text, want) {
				t.Errorf("pdftotext %s: no %q", path, want)
			}
		}
	}
	path := filepath.Join(dir, "building-b50.pdf")
	writeFile(t, path, func(w io.Writer) error { return BuildingSheet(w, p, "b50", PDF, testOpts) })
	path = filepath.Join(dir, "tickets.pdf")
	writeFile(t, path, func(w io.Writer) error { return TicketCards(w, p, synthTickets(p, 16), PDF, testOpts) })
}

// BenchmarkPrintContest prints every sheet of the contest compound's plan
// as PDF: the goal is under 5 s.
//
//	go test ./planner/sheets -run '^$' -bench PrintContest -benchtime 3x
func BenchmarkPrintContest(b *testing.B) {
	p := loadPlanned(b, "contest")
	tickets := synthTickets(p, 200)
	for i := range tickets {
		tickets[i].Site = "s1"
	}
	opts := Options{BaseURL: "https://natq.example"}
	if _, err := DefaultFonts(); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	for b.Loop() {
		if _, err := PrintAll(dir, p, tickets, PDF, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTicketCards2000 prints the most cards one pre-booking request
// may ask for (queue.MaxPreBookRows, 2000 households: 250 pages), what
// the coordinator's page costs the instance at worst.
func BenchmarkTicketCards2000(b *testing.B) {
	p := loadFixture(b)
	one := loadTickets(b)
	var ts []Ticket
	for len(ts) < 2000 {
		for _, t := range one {
			if t.Error == "" && len(ts) < 2000 {
				t.Number = uint64(len(ts) + 1)
				t.URL = fmt.Sprintf("https://natq.example/t/c1.%d.%022d", t.Number, t.Number)
				ts = append(ts, t)
			}
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		var n countWriter
		if err := TicketCards(&n, p, ts, PDF, testOpts); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(n)/1e6, "MB/print")
	}
}

// countWriter counts what is written to it.
type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }
