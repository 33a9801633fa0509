package planner

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/paulmach/orb"
)

// houseName is a building's name from its address number, when the file
// gives one and no name or ref: "12" becomes 12号楼, "4 литВ" stays as it
// is.
func houseName(hn string) string {
	hn = strings.TrimSpace(hn)
	if hn == "" {
		return ""
	}
	for _, r := range hn {
		if r < '0' || r > '9' {
			return hn
		}
	}
	return hn + "号楼"
}

// nameUnnamed gives the buildings and sites the file leaves unnamed a name
// a person can read and find on the map: 楼 3 / building 3, 采样点 2 /
// site 2, numbered in reading order (north to south in 30 m bands, west to
// east in each), instead of an OSM id like w978588303. A house number
// that several buildings share names none of them.
func (c *Compound) nameUnnamed() {
	byName := map[string]int{}
	for _, b := range c.Buildings {
		byName[b.Name]++
	}
	var unnamed []*Building
	var at []orb.Point
	for _, b := range c.Buildings {
		if b.Name == b.ID || byName[b.Name] > 1 && b.Name == houseName(b.house) {
			unnamed = append(unnamed, b)
			at = append(at, centroid(b.Plane))
		}
	}
	for i, k := range readingOrder(at) {
		unnamed[k].Name = fmt.Sprintf("楼 %d / building %d", i+1, i+1)
	}
	var sites []*Site
	at = at[:0]
	for _, s := range c.Sites {
		if strings.TrimSpace(s.Name) == "" {
			sites = append(sites, s)
			at = append(at, centroid(orb.MultiPolygon{s.Plane}))
		}
	}
	for i, k := range readingOrder(at) {
		sites[k].Name = fmt.Sprintf("采样点 %d / site %d", i+1, i+1)
	}
}

// readingOrder is the indexes of points as a reader of the map meets them:
// top band first, left to right.
func readingOrder(pts []orb.Point) []int {
	const band = 30.0
	idx := make([]int, len(pts))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		pa, pb := pts[idx[a]], pts[idx[b]]
		ba, bb := math.Floor(-pa[1]/band), math.Floor(-pb[1]/band)
		if ba != bb {
			return ba < bb
		}
		return pa[0] < pb[0]
	})
	return idx
}
