package queue

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"natq/planner/planfile"
)

// The plan's lookups (index) answer what a scan of the whole schedule
// answers, for every building and unit the groups name, a unit they do not
// name, and a building that is not there.
func TestPlanIndexMatchesScan(t *testing.T) {
	for _, name := range []string{"c1.plan.geojson", "c2.plan.geojson"} {
		f, err := os.Open("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		p, err := LoadPlan(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		pairs := map[[2]string]bool{{"nowhere", ""}: true, {"nowhere", "1"}: true}
		for _, w := range p.Windows {
			for _, g := range w.Groups {
				pairs[[2]string{g.Building, g.Unit}] = true
				pairs[[2]string{g.Building, ""}] = true
				pairs[[2]string{g.Building, "99"}] = true
			}
		}
		n := 0
		for bu := range pairs {
			b, u := bu[0], bu[1]
			for _, v := range []string{"dry", "wet"} {
				var want []int
				for _, w := range p.Windows {
					if w.Variant != v {
						continue
					}
					for _, g := range w.Groups {
						if g.Building == b && (g.Unit == "" || g.Unit == u) {
							want = append(want, w.Index)
							break
						}
					}
				}
				var got []int
				for _, i := range p.candidates(v, b, u) {
					got = append(got, p.Windows[i].Index)
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s: candidates(%s, %s, %q) = %v, want %v", name, v, b, u, got, want)
				}
				n += len(got)
			}
			knownB, knownU := false, false
			units := map[string]bool{}
			for _, w := range p.Windows {
				for _, g := range w.Groups {
					if g.Building == b {
						knownB = true
						if g.Unit != "" {
							units[g.Unit] = true
						}
					}
				}
			}
			knownU = len(units) == 0 || units[u]
			if gb, gu := p.knows(b, u); gb != knownB || gu != knownU {
				t.Errorf("%s: knows(%s, %q) = %v %v, want %v %v", name, b, u, gb, gu, knownB, knownU)
			}
		}
		if n == 0 {
			t.Errorf("%s: no candidates at all", name)
		}
		for _, w := range p.Windows {
			if got, ok := p.window(w.Index); !ok || got.Index != w.Index || got.Site != w.Site {
				t.Errorf("%s: window(%d) = %v %v", name, w.Index, got.Index, ok)
			}
		}
		for _, s := range p.Sites {
			if got := p.site(s.Variant, s.ID); got == nil || got.ID != s.ID || got.Variant != s.Variant {
				t.Errorf("%s: site(%s, %s) = %v", name, s.Variant, s.ID, got)
			}
		}
	}
}

// The fields a script's event carries (ticket_names in prelude.lua) are
// ticketFields, in its order: the hub reads them by position.
func TestTicketNamesMatchTicketFields(t *testing.T) {
	var quoted []string
	for _, f := range ticketFields {
		quoted = append(quoted, "'"+f+"'")
	}
	want := strings.Join(quoted, ", ")
	got := preludeLua[strings.Index(preludeLua, "local ticket_names = {")+len("local ticket_names = {"):]
	got = strings.Join(strings.Fields(got[:strings.Index(got, "}")]), " ")
	if got != want {
		t.Errorf("prelude.lua ticket_names = {%s}, want {%s}", got, want)
	}
	// ticket_read names them in its HMGET, and T_ST ... T_VER are their places.
	read := "redis.call('HMGET', tkp .. id, "
	got = preludeLua[strings.Index(preludeLua, read)+len(read):]
	got = strings.Join(strings.Fields(got[:strings.Index(got, ", ...)")]), " ")
	if got != want {
		t.Errorf("prelude.lua ticket_read's HMGET names %s, want %s", got, want)
	}
	var places []string
	for _, f := range ticketFields {
		places = append(places, "T_"+strings.ToUpper(f))
	}
	want = "local " + strings.Join(places, ", ") + " ="
	got = preludeLua[strings.Index(preludeLua, "local T_ST, "):]
	got = strings.Join(strings.Fields(got[:strings.Index(got, "=")+1]), " ")
	if got != want {
		t.Errorf("prelude.lua's field places are %q, want %q", got, want)
	}
	nums := preludeLua[strings.Index(preludeLua, "local T_ST, "):]
	nums = nums[strings.Index(nums, "=")+1:]
	nums = strings.Join(strings.Fields(nums[:strings.Index(nums, "\n--")]), " ")
	var seq []string
	for i := range ticketFields {
		seq = append(seq, strconv.Itoa(i+1))
	}
	if want := strings.Join(seq, ", "); nums != want {
		t.Errorf("prelude.lua's field places are %s, want %s", nums, want)
	}
}

// calledBuilding finds a building as a coordinator's spreadsheet names it,
// and names none where two buildings answer to the same words.
func TestCalledBuilding(t *testing.T) {
	p := &Plan{Buildings: []*planfile.Building{
		{ID: "b1", Name: "1号楼"}, {ID: "b2", Name: "荷花苑2号楼"}, {ID: "w77", Name: "7号楼"},
		{ID: "x5", Name: "5栋"}, {ID: "y5", Name: "5幢"}, // two fives: "5" is neither
	}}
	p.buildings = map[string]*planfile.Building{}
	for _, b := range p.Buildings {
		p.buildings[b.ID] = b
	}
	p.indexNames()
	for in, want := range map[string]string{
		"b1": "b1", "1": "b1", "1号楼": "b1", "１号楼": "b1", "1 栋": "b1", "1号": "b1",
		"荷花苑2号楼": "b2", "荷花苑2": "b2", "2": "b2", // b2's number, from its id
		"7号楼": "w77", "7": "w77", "77": "w77", "w77": "w77", "W77": "",
		"5": "", "5栋": "", "x5": "x5", "y5": "y5",
		"": "", "9号楼": "", "号楼": "",
	} {
		if got := p.calledBuilding(in); got != want {
			t.Errorf("calledBuilding(%q) = %q, want %q", in, got, want)
		}
	}
}
