package static

import (
	"io"
	"io/fs"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

func testPlan(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../queue/testdata/c1.plan.geojson")
	if err != nil {
		t.Fatal(err)
	}
	return b
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
	plan := testPlan(t)
	app := fiber.New()
	now := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
	Mount(app, Options{Now: func() time.Time { return now }, PlanFile: func(id string) ([]byte, bool) {
		return plan, id == "c1"
	}})
	tests := []struct {
		path, want string
		status     int
		body       string
	}{
		{"/c/c1/b/x", "text/html; charset=utf-8", 200, `<script src="/static/resident.js" defer>`},
		{"/t/c1.1.abc", "text/html; charset=utf-8", 200, `resident.js`},
		{"/staff", "text/html; charset=utf-8", 200, `staff.js`},
		{"/display/c1/s1", "text/html; charset=utf-8", 200, `display.js`},
		{"/static/favicon.svg", "image/svg+xml", 200, `<svg`},
		{"/static/natq.css", "text/css; charset=utf-8", 200, `.ticket`},
		{"/static/common.js", "text/javascript; charset=utf-8", 200, `textContent`},
		{"/static/vendor/jsqr/jsQR.js", "text/javascript; charset=utf-8", 200, `jsQR`},
		{"/static/vendor/jsqr/LICENSE", "application/octet-stream", 200, `Apache License`},
		{"/static/resident.html", "", 404, ""},
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

// TestPageWeight keeps the resident page's own files small: the whole page
// with its data must stay under 200 KB on a slow phone (the browser test
// measures that), and these are sent on every first visit.
func TestPageWeight(t *testing.T) {
	total := 0
	for _, name := range []string{"resident.html", "common.js", "resident.js", "natq.css"} {
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
