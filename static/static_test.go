package static

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"natq/planner/planfile"
)

func testPlan(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../queue/testdata/c1.plan.geojson")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func testFile(t *testing.T) *planfile.File {
	t.Helper()
	f, err := planfile.Read(bytes.NewReader(testPlan(t)))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestMapCache: the maps of a plan are drawn once, a building's once, and
// a name the plan does not have is not kept.
func TestMapCache(t *testing.T) {
	f := testFile(t)
	mc := &mapCache{}
	if a, b := mc.get(f, ""), mc.get(f, ""); a != b {
		t.Error("mapCache.get(c1, \"\") drew the map twice")
	}
	if a, b := mc.get(f, "b1"), mc.get(f, "b1"); a != b || len(a.Windows) == 0 {
		t.Errorf("mapCache.get(c1, b1) drew the map twice, or without windows (%d)", len(a.Windows))
	}
	j1, _ := mc.json(f, "b1")
	j2, _ := mc.json(f, "b1")
	if &j1[0] != &j2[0] || !json.Valid(j1) {
		t.Error("mapCache.json(c1, b1) wrote the JSON twice, or wrote bad JSON")
	}
	mc.json(f, "nope")
	for i := 0; i < 100; i++ {
		mc.get(f, fmt.Sprintf("nope%d", i))
	}
	if n := len(mc.plans[f].byBuilding); n != 1 {
		t.Errorf("mapCache keeps %d building maps after 100 unknown names, want 1", n)
	}
	g := testFile(t)
	mc.get(g, "")
	if len(mc.plans) != 1 || mc.plans[g] == nil {
		t.Errorf("mapCache keeps %d plans after a new round of c1, want the new one only", len(mc.plans))
	}
}

// TestMapPlane: the map is in true metres: c1's building b1 measures
// what the plan's projection says, y pointing down.
func TestMapPlane(t *testing.T) {
	f := testFile(t)
	m := MapOf(f, "")
	pr := f.Projection()
	b := f.Building("b1").Outline.Bound()
	lo, hi := pr.ToPlane(b.Min), pr.ToPlane(b.Max)
	var mb MapBuilding
	for _, x := range m.Buildings {
		if x.ID == "b1" {
			mb = x
		}
	}
	if want := r1(m.plane.y0 - (lo[1]+hi[1])/2); math.Abs(mb.Y-want) > 0.11 {
		t.Errorf("b1 label y = %g, want %g (metres down from the top)", mb.Y, want)
	}
	if w := hi[0] - lo[0] + 16; m.Width < w {
		t.Errorf("map width %g m, want at least %g", m.Width, w)
	}
}

// TestMountPlanFile: a server that hands Mount plan file bytes gets each
// file read once, however many maps are asked for.
func TestMountPlanFile(t *testing.T) {
	plan := testPlan(t)
	app := fiber.New()
	Mount(app, Options{PlanFile: func(id string) ([]byte, bool) { return plan, id == "c1" }})
	before := planfile.Reads()
	for i := 0; i < 20; i++ {
		for _, path := range []string{"/api/v1/compounds/c1/map.json", "/api/v1/compounds/c1/map.json?building=b2"} {
			resp, err := app.Test(httptest.NewRequest("GET", path, nil), -1)
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("GET %s = %v %v", path, resp.StatusCode, err)
			}
		}
	}
	if n := planfile.Reads() - before; n != 1 {
		t.Errorf("40 map.json requests read the plan file %d times, want once", n)
	}
	bad := fiber.New()
	Mount(bad, Options{PlanFile: func(id string) ([]byte, bool) { return []byte("{"), true }})
	resp, err := bad.Test(httptest.NewRequest("GET", "/api/v1/compounds/c1/map.json", nil), -1)
	if err != nil || resp.StatusCode != 500 {
		t.Errorf("map.json of a plan file that does not read = %v %v, want 500", resp.StatusCode, err)
	}
}

func TestBuildMap(t *testing.T) {
	plan := testPlan(t)
	all, err := BuildMap(plan, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Buildings) == 0 || len(all.Sites) == 0 || len(all.Windows) == 0 {
		t.Fatalf("BuildMap(c1) = %d buildings, %d sites, %d windows; want some of each", len(all.Buildings), len(all.Sites), len(all.Windows))
	}
	if len(all.Routes) != 0 {
		t.Errorf("BuildMap(c1, \"\") has %d routes, want none (routes are per building)", len(all.Routes))
	}
	for _, b := range all.Buildings {
		if !strings.HasPrefix(b.D, "M") || !strings.HasSuffix(b.D, "Z") {
			t.Errorf("building %s path %q, want a closed M...Z path", b.ID, b.D)
		}
		if b.X < 0 || b.Y < 0 || b.X > all.Width || b.Y > all.Height {
			t.Errorf("building %s label (%g, %g) outside the plane %gx%g", b.ID, b.X, b.Y, all.Width, all.Height)
		}
	}
	b := all.Windows[0].Groups[0].Building
	one, err := BuildMap(plan, b)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range one.Windows {
		for _, g := range w.Groups {
			if g.Building != b {
				t.Errorf("BuildMap(c1, %q) window %d calls %q: a resident needs only her building", b, w.Index, g.Building)
			}
		}
	}
	if len(one.Windows) == 0 {
		t.Errorf("BuildMap(c1, %q) has no windows", b)
	}
	if _, err := BuildMap([]byte("{"), ""); err == nil {
		t.Error("BuildMap(bad JSON) = nil error")
	}
}

func TestMount(t *testing.T) {
	plan := testFile(t)
	app := fiber.New()
	now := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
	Mount(app, Options{Now: func() time.Time { return now }, Plan: func(id string) (*planfile.File, bool) {
		return plan, id == "c1"
	}})
	tests := []struct {
		path, want string
		status     int
		body       string
	}{
		{"/c/c1/b/x", "text/html; charset=utf-8", 200, "<head>\n<meta charset=\"utf-8\">\n"},
		{"/c/c1/b/x", "text/html; charset=utf-8", 200, "<script src=\"/static/common.js\" defer></script>\n<meta name=\"theme-color\""},
		{"/c/c1/b/x", "text/html; charset=utf-8", 200, `<script src="/static/resident.js" defer>`},
		{"/staff", "text/html; charset=utf-8", 200, "<script src=\"/static/common.js\" defer></script>\n<title>"},
		{"/display/c1/s1", "text/html; charset=utf-8", 200, "<script src=\"/static/common.js\" defer></script>\n<title>"},
		{"/t/c1.1.abc", "text/html; charset=utf-8", 200, `resident.js`},
		{"/staff", "text/html; charset=utf-8", 200, `staff.js`},
		{"/display/c1/s1", "text/html; charset=utf-8", 200, `display.js`},
		{"/static/favicon.svg", "image/svg+xml", 200, `<svg`},
		{"/static/natq.css", "text/css; charset=utf-8", 200, `.ticket`},
		{"/static/common.js", "text/javascript; charset=utf-8", 200, `textContent`},
		{"/static/vendor/jsqr/jsQR.js", "text/javascript; charset=utf-8", 200, `jsQR`},
		{"/static/vendor/jsqr/LICENSE", "application/octet-stream", 200, `Apache License`},
		{"/static/resident.html", "", 404, ""},
		{"/static/head.html", "", 404, ""},
		{"/static/../static.go", "", 404, ""},
		{"/static/nope.js", "", 404, ""},
		{"/api/v1/compounds/c1/map.json", "application/json; charset=utf-8", 200, `"now":"2026-12-01T07:00:00Z"`},
		{"/api/v1/compounds/zz/map.json", "application/json", 404, `"no_compound"`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := app.Test(httptest.NewRequest("GET", tt.path, nil), -1)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Fatalf("GET %s = %d, want %d", tt.path, resp.StatusCode, tt.status)
			}
			if ct := resp.Header.Get("Content-Type"); tt.want != "" && !strings.HasPrefix(ct, tt.want) {
				t.Errorf("GET %s Content-Type = %q, want %q", tt.path, ct, tt.want)
			}
			if !strings.Contains(string(body), tt.body) {
				t.Errorf("GET %s body does not hold %q", tt.path, tt.body)
			}
			if strings.HasSuffix(tt.want, "html; charset=utf-8") && !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
				t.Errorf("GET %s: no script-src 'self' policy", tt.path)
			}
		})
	}
}

// TestPagesWriteNoHTML keeps data out of innerHTML and friends: names from
// the plan (a building called <script>) must reach the page as text.
func TestPagesWriteNoHTML(t *testing.T) {
	for _, name := range []string{"common.js", "resident.js", "staff.js", "display.js"} {
		b, err := fs.ReadFile(Web, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
			if strings.Contains(string(b), bad) {
				t.Errorf("%s uses %s", name, bad)
			}
		}
	}
}

// TestWordsOneMeaning: a key of a page's words (common.js's and the
// page's own) means one thing. A second entry of one key silently wins: the
// coverage tab's "first round, nothing to compare" once read "Missed:
// (call ). Nobody else is waiting", the desk's word of the same key.
func TestWordsOneMeaning(t *testing.T) {
	keys := func(name string) map[string]int {
		b, err := fs.ReadFile(Web, name)
		if err != nil {
			t.Fatal(err)
		}
		src, out := string(b), map[string]int{}
		for rest := src; ; {
			i := strings.Index(rest, "words({")
			if i < 0 {
				break
			}
			rest = rest[i+len("words({"):]
			// The table's keys are at depth 0 of its braces, each "key: [".
			depth, str := 0, byte(0)
			for j := 0; j < len(rest); j++ {
				c := rest[j]
				switch {
				case str != 0:
					if c == '\\' {
						j++
					} else if c == str {
						str = 0
					}
				case c == '\'' || c == '"':
					str = c
				case c == '{' || c == '[' || c == '(':
					depth++
				case c == '}' || c == ']' || c == ')':
					if depth == 0 {
						rest = rest[j:]
						j = len(rest)
						break
					}
					depth--
				case depth == 0 && (c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'):
					k := j
					for k < len(rest) && (rest[k] == '_' || rest[k] >= 'a' && rest[k] <= 'z' || rest[k] >= 'A' && rest[k] <= 'Z' || rest[k] >= '0' && rest[k] <= '9') {
						k++
					}
					if strings.HasPrefix(strings.TrimLeft(rest[k:], " "), ":") {
						out[rest[j:k]]++
					}
					j = k - 1
				}
			}
		}
		return out
	}
	common := keys("common.js")
	if len(common) < 3 {
		t.Fatalf("read %d words off common.js: the test no longer reads the tables", len(common))
	}
	for _, page := range []string{"resident.js", "staff.js", "display.js"} {
		own := keys(page)
		if len(own) < 10 {
			t.Fatalf("read %d words off %s: the test no longer reads the tables", len(own), page)
		}
		for k, n := range own {
			if n > 1 || common[k] > 0 {
				t.Errorf("%s: the word %q is given %d times (and %d in common.js): one wins, silently", page, k, n, common[k])
			}
		}
	}
	for k, n := range common {
		if n > 1 {
			t.Errorf("common.js: the word %q is given %d times", k, n)
		}
	}
}

// TestPageWeight keeps the resident page's own files small: the whole page
// with its data must stay under 200 KB on a slow phone (the browser test
// measures that), and these are sent on every first visit.
func TestPageWeight(t *testing.T) {
	total := 0
	for _, name := range []string{"resident.html", "head.html", "common.js", "resident.js", "natq.css"} {
		b, err := fs.ReadFile(Web, name)
		if err != nil {
			t.Fatal(err)
		}
		total += len(b)
	}
	if total > 80*1024 {
		t.Errorf("resident page's files are %d bytes uncompressed, want under 80 KB", total)
	}
}
