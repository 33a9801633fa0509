package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"natq/planner/planfile"
	"natq/queue"
)

// TestMapLeadsToTheTicketsSite: a plan edited by hand calls a building
// at another site than the one its map entry names (the plan allows it:
// a window's groups decide who it calls). A resident of it books; her
// ticket is at that other site, and so is the map on her phone: the site
// is marked, no route is drawn to the building's own site, and the note
// says the plan draws no route there; the building's card names that site
// too. Before, the map and the card led her to the building's site while
// the ticket named the other one.
func TestMapLeadsToTheTicketsSite(t *testing.T) {
	var building, unit, own, other, otherName string
	edit := func(f *planfile.File) {
		v := f.Variants[0]
		// The building: the first with a site, and a second site.
		for _, b := range f.Buildings {
			if b.Site[v] == "" || b.DoorToDoor[v] {
				continue
			}
			for _, s := range f.Sites {
				if s.Variant == v && s.ID != b.Site[v] {
					building, own, other, otherName = b.ID, b.Site[v], s.ID, s.Name
				}
			}
			if other != "" {
				break
			}
		}
		if other == "" {
			return
		}
		// The other site's last ordinary window calls all of the building.
		last := -1
		for i, w := range f.Schedule {
			if w.Variant == v && w.Site == other && !w.Students && (last < 0 || w.End.After(f.Schedule[last].End)) {
				last = i
			}
		}
		if last < 0 {
			other = ""
			return
		}
		for i := range f.Schedule {
			w := &f.Schedule[i]
			if w.Variant != v || w.Students {
				continue
			}
			kept := w.Groups[:0]
			for _, g := range w.Groups {
				if g.Building == building && i != last {
					f.Schedule[last].Groups = append(f.Schedule[last].Groups, g)
					if unit == "" {
						unit = g.Unit
					}
					continue
				}
				kept = append(kept, g)
			}
			w.Groups = kept
		}
	}
	bd := startBrowserDemo(t, func(c *demoConfig) { c.edit = edit })
	if other == "" {
		t.Fatal("the demo's plan has no building and second site to edit")
	}
	d := bd.d
	b, _, err := d.svc.Book(context.Background(), d.plan.Compound.ID, queue.Household{Building: building, Unit: unit, Room: "101", Party: 1})
	if err != nil {
		t.Fatal(err)
	}
	if b.Site != other {
		t.Fatalf("booked at site %s, want %s (the edited plan calls building %s there)", b.Site, other, building)
	}
	ph := bd.tab("phone-other-site", 390, 844, true)
	ph.run("open the ticket", chromedp.Navigate(b.URL))
	ph.within(5*time.Second, "the map drawn", `document.querySelector('#map text.lsite') !== null && document.getElementById('mapnote').textContent !== ''`)
	var got struct {
		Site   string `json:"site"`
		Routes int    `json:"routes"`
		Note   string `json:"note"`
		Ticket string `json:"ticket"`
		Card   string `json:"card"`
	}
	eval(ph, `({site: document.querySelector('#map text.lsite').textContent, routes: document.querySelectorAll('#map path.route, #map path.back').length,
		note: document.getElementById('mapnote').textContent, ticket: document.getElementById('tsite').textContent, card: document.getElementById('bsite').textContent})`, &got)
	if got.Site != otherName || got.Routes != 0 {
		t.Errorf("the map marks site %q with %d routes, want %q (the ticket's) and no route (the plan has none from %s; its own site is %s)", got.Site, got.Routes, otherName, building, own)
	}
	if want := "方案里没有本楼到" + otherName + "的路线"; len(got.Note) < len(want) || got.Note[:len(want)] != want {
		t.Errorf("the map's note says %q, want it to begin %q", got.Note, want)
	}
	if got.Ticket != otherName || got.Card != otherName {
		t.Errorf("the ticket names site %q and the building's card %q, want %q", got.Ticket, got.Card, otherName)
	}
	ph.shot("map-other-site")
	ph.noDialogs()
}

// TestBuildingTimesNameFloors: a building's page lists its windows; where
// a unit is called in more than one, each names the unit once and its
// floors, so that a resident can tell which window is hers. Before, the
// demo's 14号楼 read "07:15–07:30（2 单元、3 单元、3 单元）": unit 3 twice,
// for floors 1–3 and 6–14, and no floors anywhere.
func TestBuildingTimesNameFloors(t *testing.T) {
	bd := startBrowserDemo(t)
	d := bd.d
	f := d.plan.File
	v := f.Variants[0]
	// The building with the most windows naming one unit more than once,
	// or in several windows.
	type unitIn struct{ windows, groups int }
	var building string
	var times map[string]map[string][]string // span -> unit -> floors "a–b"
	for _, b := range f.Buildings {
		in := map[string]*unitIn{}
		ts := map[string]map[string][]string{}
		for _, w := range f.Schedule {
			if w.Variant != v || w.Students {
				continue
			}
			span := w.Start.In(d.plan.TZ).Format("15:04") + "–" + w.End.In(d.plan.TZ).Format("15:04")
			seen := map[string]bool{}
			for _, g := range w.Groups {
				if g.Building != b.ID || g.Unit == "" || g.Floors == nil {
					continue
				}
				if in[g.Unit] == nil {
					in[g.Unit] = &unitIn{}
				}
				if !seen[g.Unit] {
					in[g.Unit].windows++
				}
				seen[g.Unit] = true
				in[g.Unit].groups++
				if ts[span] == nil {
					ts[span] = map[string][]string{}
				}
				fl := fmt.Sprint(g.Floors[0])
				if g.Floors[0] != g.Floors[1] {
					fl += "–" + fmt.Sprint(g.Floors[1])
				}
				ts[span][g.Unit] = append(ts[span][g.Unit], fl)
			}
		}
		for _, u := range in {
			if u.groups > u.windows && u.windows > 1 {
				building, times = b.ID, ts
			}
		}
		if building != "" {
			break
		}
	}
	if building == "" {
		t.Fatal("the demo has no building with a unit called twice in one window")
	}
	ph := bd.tab("phone-building-times", 390, 844, true)
	ph.run("the building's page", chromedp.Navigate(bd.base+d.residentPath(building)), chromedp.WaitVisible("#book"))
	ph.within(5*time.Second, "its times listed", `document.getElementById('bwins').textContent.length > 0`)
	var list string
	eval(ph, `document.getElementById('bwins').textContent`, &list)
	t.Logf("%s's times:\n%s", building, list)
	lines := map[string]string{}
	for _, l := range strings.Split(list, "\n") {
		if len(l) >= 11 {
			lines[l[:len("07:15–07:30")]] = l
		}
	}
	for span, units := range times {
		line, ok := lines[span]
		if !ok {
			t.Errorf("no line for %s in %q", span, list)
			continue
		}
		for u, floors := range units {
			name := u + " 单元"
			if n := strings.Count(line, name); n != 1 {
				t.Errorf("%q names %s %d times; want once", line, name, n)
			}
			want := name + " " + strings.Join(floors, "、") + " 层"
			if !strings.Contains(line, want) {
				t.Errorf("%q lacks %q", line, want)
			}
		}
	}
}
