// Package zone finds the IANA time zone of a place from its coordinates,
// offline, so that a plan's times are the compound's own wherever natq runs.
package zone

import (
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/ringsaturn/tzf"
	tzfrellite "github.com/ringsaturn/tzf-rel-lite"
	pb "github.com/ringsaturn/tzf/gen/go/tzf/v1"
	"google.golang.org/protobuf/proto"
)

// Two finders over the same boundary data (timezone-boundary-builder,
// simplified): the fuzzy one answers from tiles that lie wholly in one
// zone, in a tenth of the memory; only a place near a border needs the
// polygons, which take about 150 MB to load.
var (
	fuzzyOnce, fullOnce sync.Once
	fuzzy, full         tzf.F
	fuzzyErr, fullErr   error
)

func loadFuzzy() {
	var in pb.PreindexTimezones
	if fuzzyErr = proto.Unmarshal(tzfrellite.PreindexData, &in); fuzzyErr == nil {
		fuzzy, fuzzyErr = tzf.NewFuzzyFinderFromPB(&in)
	}
}

func loadFull() {
	var in pb.CompressedTimezones
	if fullErr = proto.Unmarshal(tzfrellite.LiteCompressData, &in); fullErr == nil {
		full, fullErr = tzf.NewFinderFromCompressed(&in, tzf.SetDropPBTZ)
	}
}

// find asks the fuzzy finder, then the polygons, then the polygons a
// couple of kilometres around (the simplified coastlines can miss a
// waterfront compound).
func find(lon, lat float64) (string, error) {
	fuzzyOnce.Do(loadFuzzy)
	if fuzzyErr != nil {
		return "", fuzzyErr
	}
	if name := fuzzy.GetTimezoneName(lon, lat); name != "" {
		return name, nil
	}
	fullOnce.Do(loadFull)
	if fullErr != nil {
		return "", fullErr
	}
	for _, d := range [][2]float64{{0, 0}, {-0.02, 0}, {0.02, 0}, {0, -0.02}, {0, 0.02}} {
		if name := full.GetTimezoneName(lon+d[0], lat+d[1]); name != "" {
			return name, nil
		}
	}
	return "", nil
}

// At returns the IANA name of the time zone at lon, lat (WGS84 degrees),
// checked against the binary's own zone data. The first call loads the
// boundaries (tens of milliseconds; half a second near a zone border).
func At(lon, lat float64) (string, error) {
	if math.IsNaN(lon) || math.IsNaN(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90 {
		return "", fmt.Errorf("zone: %g, %g is not a longitude and latitude", lon, lat)
	}
	name, err := find(lon, lat)
	if err != nil {
		return "", fmt.Errorf("zone: the time-zone boundaries would not load: %v", err)
	}
	if name == "" {
		return "", fmt.Errorf("zone: no time zone is known at %.5f, %.5f", lon, lat)
	}
	if _, err := time.LoadLocation(name); err != nil {
		return "", fmt.Errorf("zone: %s (at %.5f, %.5f) is not in natq's time-zone data: %v", name, lon, lat, err)
	}
	return name, nil
}
