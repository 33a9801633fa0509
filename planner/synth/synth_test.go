package synth

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
)

var update = flag.Bool("update", false, "rewrite testdata/contest.geojson from Contest()")

const contestFile = "../../testdata/contest.geojson"

// compound is a synthetic file sorted by what natq recognises, in plane metres.
type compound struct {
	p                   plane
	area                orb.Ring
	buildings, sites    []*geojson.Feature
	entrances, gates    []*geojson.Feature
	walkways            []*geojson.Feature
	walkM, coveredM     float64
	buildingRings       []orb.Ring // in metres
	siteRings           []orb.Ring
	areaRing            orb.Ring
	walkwayLinesMetres  []orb.LineString
	entrancePts, gatePt []orb.Point
}

func sortOut(t *testing.T, fc *geojson.FeatureCollection, center orb.Point) *compound {
	t.Helper()
	c := &compound{p: newPlane(center)}
	metres := func(r orb.Ring) orb.Ring {
		m := make(orb.Ring, len(r))
		for i, q := range r {
			m[i][0], m[i][1] = c.p.xy(q)
		}
		return m
	}
	pt := func(q orb.Point) orb.Point {
		x, y := c.p.xy(q)
		return orb.Point{x, y}
	}
	for i, f := range fc.Features {
		pr := f.Properties
		switch {
		case pr["landuse"] == "residential":
			c.areaRing = metres(f.Geometry.(orb.Polygon)[0])
		case pr["building"] != nil && pr["building"] != "roof":
			c.buildings = append(c.buildings, f)
			c.buildingRings = append(c.buildingRings, metres(f.Geometry.(orb.Polygon)[0]))
		case pr["entrance"] != nil:
			c.entrances = append(c.entrances, f)
			c.entrancePts = append(c.entrancePts, pt(f.Geometry.(orb.Point)))
		case pr["barrier"] == "gate":
			c.gates = append(c.gates, f)
			c.gatePt = append(c.gatePt, pt(f.Geometry.(orb.Point)))
		case pr["highway"] != nil:
			c.walkways = append(c.walkways, f)
			var ls orb.LineString
			for _, q := range f.Geometry.(orb.LineString) {
				ls = append(ls, pt(q))
			}
			c.walkwayLinesMetres = append(c.walkwayLinesMetres, ls)
			l := planar.Length(ls)
			c.walkM += l
			if pr["covered"] != nil {
				c.coveredM += l
			}
		case pr["natq:site"] != nil || pr["leisure"] != nil || pr["amenity"] != nil || pr["place"] != nil || pr["building"] == "roof":
			c.sites = append(c.sites, f)
			c.siteRings = append(c.siteRings, metres(f.Geometry.(orb.Polygon)[0]))
		default:
			t.Fatalf("feature %d (%v) is not recognised: %v", i, f.ID, pr)
		}
	}
	if c.areaRing == nil {
		t.Fatal("no compound polygon")
	}
	return c
}

// ringProblem says what is wrong with a ring against RFC 7946 and natq's
// reader, or "" when nothing is.
func ringProblem(r orb.Ring) string {
	if len(r) < 4 {
		return fmt.Sprintf("%d points, want at least 4", len(r))
	}
	if r[0] != r[len(r)-1] {
		return "not closed"
	}
	var a float64
	for i := 0; i+1 < len(r); i++ {
		a += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	if a <= 0 {
		return fmt.Sprintf("signed area %g: clockwise or degenerate", a/2)
	}
	n := len(r) - 1
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			if j == i+1 || (i == 0 && j == n-1) {
				continue // neighbours share a vertex
			}
			if segmentsMeet(r[i], r[i+1], r[j], r[j+1]) {
				return fmt.Sprintf("edges %d and %d intersect", i, j)
			}
		}
	}
	return ""
}

func orient(a, b, c orb.Point) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

// segmentsMeet reports whether segments ab and cd share any point.
func segmentsMeet(a, b, c, d orb.Point) bool {
	o1, o2, o3, o4 := orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b)
	if ((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0)) {
		return true
	}
	on := func(p, q, r orb.Point, o float64) bool { // r on segment pq
		return o == 0 && math.Min(p[0], q[0]) <= r[0] && r[0] <= math.Max(p[0], q[0]) &&
			math.Min(p[1], q[1]) <= r[1] && r[1] <= math.Max(p[1], q[1])
	}
	return on(a, b, c, o1) || on(a, b, d, o2) || on(c, d, a, o3) || on(c, d, b, o4)
}

// meet reports whether two rings touch or overlap.
func meet(a, b orb.Ring) bool {
	for i := 0; i+1 < len(a); i++ {
		for j := 0; j+1 < len(b); j++ {
			if segmentsMeet(a[i], a[i+1], b[j], b[j+1]) {
				return true
			}
		}
	}
	return planar.RingContains(b, a[0]) || planar.RingContains(a, b[0])
}

// within reports whether ring a lies strictly inside ring b.
func within(a, b orb.Ring) bool {
	for i := 0; i+1 < len(a); i++ {
		for j := 0; j+1 < len(b); j++ {
			if segmentsMeet(a[i], a[i+1], b[j], b[j+1]) {
				return false
			}
		}
	}
	return planar.RingContains(b, a[0])
}

// checkCompound checks what every synthetic compound must satisfy.
func checkCompound(t *testing.T, fc *geojson.FeatureCollection, c *compound) {
	t.Helper()
	ids := map[string]bool{}
	for i, f := range fc.Features {
		id, _ := f.ID.(string)
		if id == "" || ids[id] {
			t.Errorf("feature %d: id %q empty or repeated", i, id)
		}
		ids[id] = true
		if pg, ok := f.Geometry.(orb.Polygon); ok {
			for _, r := range pg {
				if msg := ringProblem(r); msg != "" {
					t.Errorf("%s: ring %s", id, msg)
				}
			}
		}
	}
	for i, a := range c.buildingRings {
		id := c.buildings[i].ID
		if !within(a, c.areaRing) {
			t.Errorf("building %v is not inside the compound", id)
		}
		for j := i + 1; j < len(c.buildingRings); j++ {
			if meet(a, c.buildingRings[j]) {
				t.Errorf("buildings %v and %v overlap", id, c.buildings[j].ID)
			}
		}
		for j, s := range c.siteRings {
			if meet(a, s) {
				t.Errorf("building %v and site %v overlap", id, c.sites[j].ID)
			}
		}
	}
	for i, s := range c.siteRings {
		if !within(s, c.areaRing) {
			t.Errorf("site %v is not inside the compound", c.sites[i].ID)
		}
		if d := distToWalkways(c, s[0], s); d > 6 {
			t.Errorf("site %v is %.1f m from the nearest walkway, want at most 6", c.sites[i].ID, d)
		}
	}
	// Entrances lie on their building's outline, within a few metres of a walkway.
	for i, e := range c.entrancePts {
		best := math.Inf(1)
		for _, r := range c.buildingRings {
			best = math.Min(best, planar.DistanceFrom(orb.LineString(r), e))
		}
		if best > 1e-3 {
			t.Errorf("entrance %v is %.4f m from the nearest building outline, want on it", c.entrances[i].ID, best)
		}
		if d := distToWalkways(c, e, nil); d > 20 {
			t.Errorf("entrance %v is %.1f m from the nearest walkway", c.entrances[i].ID, d)
		}
	}
	// One connected walkway network, joined only at shared vertices.
	parent := map[orb.Point]orb.Point{}
	var find func(orb.Point) orb.Point
	find = func(q orb.Point) orb.Point {
		if r, ok := parent[q]; ok && r != q {
			r = find(r)
			parent[q] = r
			return r
		}
		parent[q] = q
		return q
	}
	for _, f := range c.walkways {
		ls := f.Geometry.(orb.LineString)
		if len(ls) < 2 {
			t.Errorf("walkway %v has %d points", f.ID, len(ls))
			continue
		}
		for k := 1; k < len(ls); k++ {
			parent[find(ls[k])] = find(ls[0])
		}
	}
	roots := map[orb.Point]bool{}
	for q := range parent {
		roots[find(q)] = true
	}
	if len(roots) != 1 {
		t.Errorf("walkway network has %d connected parts, want 1", len(roots))
	}
	for i, g := range c.gates {
		if _, ok := parent[g.Geometry.(orb.Point)]; !ok {
			t.Errorf("gate %v is not a walkway vertex", g.ID)
		}
		if d := planar.DistanceFrom(orb.LineString(c.areaRing), c.gatePt[i]); d > 1e-3 {
			t.Errorf("gate %v is %.3f m off the compound boundary", g.ID, d)
		}
	}
	if len(c.gates) == 0 {
		t.Error("no gates")
	}
}

// distToWalkways is the distance from q (or, with ring set, from the ring)
// to the nearest walkway, in metres.
func distToWalkways(c *compound, q orb.Point, ring orb.Ring) float64 {
	best := math.Inf(1)
	for _, ls := range c.walkwayLinesMetres {
		if ring == nil {
			best = math.Min(best, planar.DistanceFrom(ls, q))
			continue
		}
		for _, v := range ring {
			best = math.Min(best, planar.DistanceFrom(ls, v))
		}
		for _, v := range ls {
			best = math.Min(best, planar.DistanceFrom(orb.LineString(ring), v))
		}
	}
	return best
}

func TestContest(t *testing.T) {
	fc := Contest()
	c := sortOut(t, fc, ContestCenter)
	checkCompound(t, fc, c)

	if got := len(c.buildings); got != 103 {
		t.Errorf("buildings = %d, want 103", got)
	}
	type kind struct{ levels, units, households string }
	want := map[kind]int{{"6", "3", "36"}: 60, {"11", "2", "44"}: 20, {"18", "3", "126"}: 23}
	got := map[kind]int{}
	residents, sealed, elderly := 0, 0, 0
	entrances := map[string]int{}
	for _, e := range c.entrances {
		entrances[e.ID.(string)]++
	}
	for i, b := range c.buildings {
		pr := b.Properties
		k := kind{pr["building:levels"].(string), strconv.Itoa(pr["natq:units"].(int)), strconv.Itoa(pr["natq:households"].(int))}
		got[k]++
		residents += pr["natq:residents"].(int)
		if pr["natq:sealed"] == "yes" {
			sealed++
		}
		if _, ok := pr["natq:elderly_alone"].(int); ok {
			elderly++
		}
		if wantID := fmt.Sprintf("b%d", i+1); b.ID != wantID || pr["ref"] != strconv.Itoa(i+1) || pr["name"] != strconv.Itoa(i+1)+"号楼" {
			t.Errorf("building %d: id %v ref %v name %v, want %s", i, b.ID, pr["ref"], pr["name"], wantID)
		}
		for u := 1; u <= pr["natq:units"].(int); u++ {
			if entrances[fmt.Sprintf("%v-e%d", b.ID, u)] != 1 {
				t.Errorf("building %v has no entrance for unit %d", b.ID, u)
			}
		}
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("buildings with levels/units/households %v = %d, want %d", k, got[k], n)
		}
	}
	if residents != ContestResidents {
		t.Errorf("residents = %d, want %d", residents, ContestResidents)
	}
	if sealed != 2 || elderly < 3 {
		t.Errorf("sealed buildings = %d, with elderly_alone = %d; want 2 and at least 3", sealed, elderly)
	}
	for i, e := range c.entrancePts {
		if d := distToWalkways(c, e, nil); d > setback+1e-3 {
			t.Errorf("entrance %v is %.2f m from the nearest walkway, want %g", c.entrances[i].ID, d, setback)
		}
	}
	if len(c.entrances) != 60*3+20*2+23*3 {
		t.Errorf("entrances = %d, want one per unit", len(c.entrances))
	}

	if share := c.coveredM / c.walkM; share < 0.05 || share > 0.10 {
		t.Errorf("covered walkways %.0f of %.0f m (%.1f%%), want 5-10%%", c.coveredM, c.walkM, 100*share)
	}
	sheltered, concave := 0, 0
	for i, s := range c.sites {
		a := planar.Area(orb.Polygon{c.siteRings[i]})
		if a < 300 || a > 1500 {
			t.Errorf("site %v is %.0f m², want 300-1500", s.ID, a)
		}
		if s.Properties["covered"] == "yes" || s.Properties["building"] == "roof" {
			sheltered++
		}
		if len(c.siteRings[i]) > 5 {
			concave++
		}
		t.Logf("site %v %q: %.0f m², sheltered=%v", s.ID, s.Properties["name"], a, s.Properties["covered"] == "yes" || s.Properties["building"] == "roof")
	}
	if len(c.sites) < 6 || sheltered < 2 || concave < 1 {
		t.Errorf("sites = %d (%d sheltered, %d concave), want at least 6, 2 and 1", len(c.sites), sheltered, concave)
	}
	if n := len(c.gates); n < 2 || n > 3 {
		t.Errorf("gates = %d, want 2 or 3", n)
	}
	b := fc.Features[0].Geometry.Bound()
	t.Logf("bbox %v-%v; %d walkways, %.0f m, %.0f m covered (%.1f%%)", b.Min, b.Max, len(c.walkways), c.walkM, c.coveredM, 100*c.coveredM/c.walkM)
}

// TestContestFile keeps testdata/contest.geojson what Contest() makes, so it
// cannot go stale; go generate ./planner/synth (or -update) rewrites it.
func TestContestFile(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteLines(&buf, Contest()); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(contestFile, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	file, err := os.ReadFile(contestFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(file, buf.Bytes()) {
		actual := filepath.Join(t.TempDir(), "contest.geojson")
		if os.Getenv("NATQ_KEEP_ACTUAL") != "" {
			actual = filepath.Join(os.TempDir(), "contest.actual.geojson")
		}
		os.WriteFile(actual, buf.Bytes(), 0o644)
		t.Errorf("%s differs from Contest(); run go generate ./planner/synth (actual output: %s, kept with NATQ_KEEP_ACTUAL=1)", contestFile, actual)
	}
	if _, err := geojson.UnmarshalFeatureCollection(file); err != nil {
		t.Errorf("%s does not parse as a FeatureCollection: %v", contestFile, err)
	}
}

func TestRandom(t *testing.T) {
	for seed := int64(0); seed < 50; seed++ {
		t.Run(strconv.FormatInt(seed, 10), func(t *testing.T) {
			fc := Random(seed, RandomOptions{})
			c := sortOut(t, fc, ContestCenter)
			checkCompound(t, fc, c)
			if len(c.buildings) == 0 || len(c.sites) == 0 {
				t.Errorf("Random(%d) has %d buildings and %d sites, want some of each", seed, len(c.buildings), len(c.sites))
			}
			again, err := fc.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if first, _ := Random(seed, RandomOptions{}).MarshalJSON(); !bytes.Equal(first, again) {
				t.Errorf("Random(%d) differs between calls", seed)
			}
		})
	}
}

func TestRandomOptions(t *testing.T) {
	center := orb.Point{116.33, 40.0}
	fc := Random(3, RandomOptions{Buildings: 25, Sites: 4, Center: center})
	c := sortOut(t, fc, center)
	checkCompound(t, fc, c)
	if len(c.buildings) != 25 || len(c.sites) != 4 {
		t.Errorf("Random(3, {25, 4}) has %d buildings and %d sites, want 25 and 4", len(c.buildings), len(c.sites))
	}
	if got := fc.Features[0].Geometry.Bound().Center(); math.Abs(got[0]-center[0]) > 1e-6 || math.Abs(got[1]-center[1]) > 1e-6 {
		t.Errorf("Random centred at %v, want near %v", got, center)
	}
}

// TestPlane checks the plane's scale against the published lengths of a
// degree at 30° N on WGS84 (96,486 m of longitude, 110,852 m of latitude).
func TestPlane(t *testing.T) {
	p := newPlane(orb.Point{121.47, 30.0})
	if math.Abs(p.kx-96486) > 1 || math.Abs(p.ky-110852) > 1 {
		t.Errorf("a degree at 30° N measures %.0f m east, %.0f m north; want 96486 and 110852", p.kx, p.ky)
	}
}
