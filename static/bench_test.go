package static

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/gofiber/fiber/v2"

	"natq/planner/planfile"
)

func contestPlan(b *testing.B) []byte {
	data, err := os.ReadFile("../planner/testdata/golden/contest.plan.geojson")
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkBuildMap is what one map.json request cost when the server
// parsed the plan file for it.
func BenchmarkBuildMap(b *testing.B) {
	data := contestPlan(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := BuildMap(data, "b1"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMapRequest is what one map.json request of a building costs
// now, through the handler: the kept JSON with the clock put in.
func BenchmarkMapRequest(b *testing.B) {
	f, err := planfile.Read(bytes.NewReader(contestPlan(b)))
	if err != nil {
		b.Fatal(err)
	}
	app := fiber.New()
	Mount(app, Options{Plan: func(string) (*planfile.File, bool) { return f, true }})
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		resp, err := app.Test(httptest.NewRequest(http.MethodGet, "/api/v1/compounds/contest/map.json?building=b1", nil), -1)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || n < 1000 {
			b.Fatalf("map.json = %d, %d bytes", resp.StatusCode, n)
		}
	}
}
