package static

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"natq/planner/planfile"
	"natq/queue"
)

// TestSimChart: the plan's simulated line of a site is served to the
// compound's staff only, as an SVG with the line's capacity drawn, once
// per plan; a site or variant the plan has not is refused, named.
func TestSimChart(t *testing.T) {
	f := testFile(t)
	tokens := map[string]*queue.Staff{"c1.good": {Compound: "c1", Role: queue.RoleMarshal}, "c2.other": {Compound: "c2", Role: queue.RoleCoordinator}}
	app := fiber.New()
	Mount(app, Options{
		Plan: func(id string) (*planfile.File, bool) { return f, id == "c1" },
		Staff: func(_ context.Context, tok string) (*queue.Staff, error) {
			if st := tokens[tok]; st != nil {
				return st, nil
			}
			return nil, queue.ErrUnauthorized
		},
	})
	get := func(path, token string) (int, string) {
		t.Helper()
		req := httptest.NewRequest("GET", path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode == 200 && res.Header.Get("Content-Type") != "image/svg+xml; charset=utf-8" {
			t.Errorf("GET %s: content type %q", path, res.Header.Get("Content-Type"))
		}
		return res.StatusCode, string(b)
	}
	for _, c := range []struct {
		path, token string
		status      int
		body        string
	}{
		{"/api/v1/compounds/c1/sim/s1.svg", "", 401, "unauthorized"},
		{"/api/v1/compounds/c1/sim/s1.svg", "c1.forged", 401, "unauthorized"},
		{"/api/v1/compounds/c1/sim/s1.svg", "c2.other", 403, "forbidden"},
		{"/api/v1/compounds/c1/sim/s1.svg", "c1.good", 200, "北广场"},
		{"/api/v1/compounds/c1/sim/w1.svg?variant=wet", "c1.good", 200, "地下车库入口"},
		{"/api/v1/compounds/c1/sim/w1.svg", "c1.good", 404, "no such site in that variant"},
		{"/api/v1/compounds/c1/sim/s1.svg?variant=snow", "c1.good", 400, "variant"},
		{"/api/v1/compounds/c1/sim/s1.png", "c1.good", 400, "file"},
	} {
		status, body := get(c.path, c.token)
		if status != c.status || !strings.Contains(body, c.body) {
			t.Errorf("GET %s (token %q) = %d %.200s; want %d with %q", c.path, c.token, status, body, c.status, c.body)
		}
	}
	_, a := get("/api/v1/compounds/c1/sim/s1.svg", "c1.good")
	if !strings.HasPrefix(a, "<svg") || !strings.Contains(a, "capacity") {
		t.Errorf("s1's chart does not draw the capacity: %.300s", a)
	}
	// Once per plan: the same file gives the same run.
	sims := &simCache{}
	if sims.get(f) != sims.get(f) {
		t.Errorf("a plan was simulated twice")
	}
}
