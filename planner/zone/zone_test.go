package zone

import "testing"

func TestAt(t *testing.T) {
	for _, c := range []struct {
		name     string
		lon, lat float64
		want     string
	}{
		{"Shanghai Baoshan", 121.39, 31.32, "Asia/Shanghai"},
		{"Beijing Tsinghua", 116.33, 40.00, "Asia/Shanghai"},
		{"Urumqi (China keeps one zone)", 87.62, 43.83, "Asia/Shanghai"},
		{"St Petersburg", 30.29, 59.93, "Europe/Moscow"},
		{"New York", -73.99, 40.73, "America/New_York"},
		{"Hong Kong", 114.17, 22.30, "Asia/Hong_Kong"},
	} {
		got, err := At(c.lon, c.lat)
		if err != nil || got != c.want {
			t.Errorf("%s: At(%g, %g) = %q, %v; want %q", c.name, c.lon, c.lat, got, err, c.want)
		}
	}
}

func TestAtBad(t *testing.T) {
	for _, c := range [][2]float64{{200, 31}, {121, -95}} {
		if got, err := At(c[0], c[1]); err == nil {
			t.Errorf("At(%g, %g) = %q, want an error", c[0], c[1], got)
		}
	}
}

// TestPolygonsAgree checks the polygon finder, used near zone borders,
// against the same places: a broken fallback would otherwise go unseen.
func TestPolygonsAgree(t *testing.T) {
	fullOnce.Do(loadFull)
	if fullErr != nil {
		t.Fatal(fullErr)
	}
	for _, c := range []struct {
		lon, lat float64
		want     string
	}{{121.39, 31.32, "Asia/Shanghai"}, {30.29, 59.93, "Europe/Moscow"}, {-73.99, 40.73, "America/New_York"}} {
		if got := full.GetTimezoneName(c.lon, c.lat); got != c.want {
			t.Errorf("polygons at %g, %g = %q, want %q", c.lon, c.lat, got, c.want)
		}
	}
}
