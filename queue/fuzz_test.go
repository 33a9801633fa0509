package queue_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"natq/queue"
	"natq/queue/queuetest"
)

// FuzzLoadPlan feeds the plan-file reader anything: a plan or an error,
// never a panic or a hang. Seeds: the fixture plans, cut and altered
// (testdata/fuzz/FuzzLoadPlan).
func FuzzLoadPlan(f *testing.F) {
	b, err := os.ReadFile("testdata/c1.plan.geojson")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add(b[:len(b)/2])
	f.Add(bytes.ReplaceAll(b, []byte(`"capacity"`), []byte(`"capacity_"`)))
	f.Add([]byte(`{"type":"FeatureCollection","features":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := queue.LoadPlan(bytes.NewReader(data))
		if err == nil && p == nil {
			t.Fatal("LoadPlan = nil, nil")
		}
	})
}

// FuzzPreBookCSV feeds the pre-booking CSV reader (through PreBook, on the
// embedded store) anything: rows booked or an error naming the row, never
// a panic. Seeds: testdata/fuzz/FuzzPreBookCSV.
func FuzzPreBookCSV(f *testing.F) {
	m := miniredis.NewMiniRedis()
	if err := m.Start(); err != nil {
		f.Fatal(err)
	}
	defer m.Close()
	c := redis.NewClient(&redis.Options{Addr: m.Addr()})
	defer c.Close()
	s, _ := queuetest.Service(f, c, nil)
	tok, err := s.AddStaff(context.Background(), "c1", "fuzz", queue.RoleCoordinator)
	if err != nil {
		f.Fatal(err)
	}
	coord, err := s.Authenticate(context.Background(), tok)
	if err != nil {
		f.Fatal(err)
	}
	f.Add("building,unit,room,party,name\nb1,,201,1,王奶奶\n")
	f.Add("b1,,101,1\nb2,2,502,2\n")
	f.Add("b1,,\"1\n01\",1\n")
	f.Add("\ufeffb1,,101,1,\"x\"\"y\"\n")
	f.Fuzz(func(t *testing.T, csv string) {
		res, err := s.PreBook(context.Background(), coord, "c1", strings.NewReader(csv))
		if err == nil && res == nil && strings.TrimSpace(csv) != "" {
			t.Logf("PreBook(%q) = nil, nil", csv)
		}
	})
}
