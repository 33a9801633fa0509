package sheets

import (
	"io"
	"time"

	"github.com/paulmach/orb"

	"natq/planner/planfile"
)

// Plan is a plan file as the sheets draw it: the file (package planfile)
// with every geometry on the plan's local plane, in metres (x east, y
// north) around the middle of the compound.
type Plan struct {
	*planfile.File
}

// The plan file's types, by the names the sheets have always used.
type (
	Compound = planfile.Compound
	Building = planfile.Building
	Entrance = planfile.Entrance
	Gate     = planfile.Gate
	Site     = planfile.Site
	Route    = planfile.Route
	Post     = planfile.Post
	Visit    = planfile.Visit
	Window   = planfile.Window
	Group    = planfile.Group
)

// Load reads a plan file to print.
func Load(r io.Reader) (*Plan, error) { return planfile.ReadFor(r, FromFile) }

// FromFile is the plan of a file already read, projected for drawing; f
// itself is left as it is.
func FromFile(f *planfile.File) (*Plan, error) {
	if len(f.Buildings) == 0 {
		return nil, badInput("the plan has no buildings (features with natq:kind building): nothing to print")
	}
	pr := f.Projection()
	p := &Plan{File: f.Projected(pr)}
	if p.Compound.Name == "" {
		p.Compound.Name = p.Compound.ID
	}
	return p, nil
}

// Local is t in the plan's time zone, so that sheets print the compound's
// local times.
func (p *Plan) Local(t time.Time) time.Time {
	if p == nil || p.File == nil {
		return t
	}
	return t.In(p.Location())
}

// Bound is the extent of what the maps show, in local metres: buildings,
// sites, routes, gates and the door-to-door walk.
func (p *Plan) Bound() orb.Bound {
	return p.Geometries("building", "site", "route", "gate", "visit").Bound()
}
