package hull

import (
	"testing"

	"github.com/paulmach/orb"
)

func TestConvex(t *testing.T) {
	square := []orb.Point{{0, 0}, {2, 0}, {1, 1}, {2, 2}, {0, 2}, {1, 0}, {0, 0}}
	in := append([]orb.Point(nil), square...)
	got := Convex(square)
	want := orb.Ring{{0, 0}, {2, 0}, {2, 2}, {0, 2}, {0, 0}}
	if !got.Equal(want) {
		t.Errorf("Convex(square with inner and edge points) = %v, want %v", got, want)
	}
	if got.Orientation() != orb.CCW {
		t.Errorf("Convex = %v, not counter-clockwise", got)
	}
	if !orb.MultiPoint(square).Equal(orb.MultiPoint(in)) {
		t.Errorf("Convex changed its input: %v", square)
	}
	for _, pts := range [][]orb.Point{nil, {{0, 0}}, {{0, 0}, {1, 1}}, {{0, 0}, {1, 1}, {2, 2}}, {{1, 1}, {1, 1}, {1, 1}}} {
		if r := Convex(pts); r != nil {
			t.Errorf("Convex(%v) = %v, want nil (no area)", pts, r)
		}
	}
}
