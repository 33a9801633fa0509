package main

import (
	"fmt"
	"time"

	"github.com/paulmach/orb"

	"natq/planner"
	"natq/planner/errs"
	"natq/planner/zone"
)

// zoneChoice is the time zone and date a compound is planned in, and
// where each came from, for the plan's assumptions.
type zoneChoice struct {
	tz, date         string
	tzFrom, dateFrom string
}

// chooseZone picks a compound's zone (--tz, else the zone where the
// compound lies, never the machine's) and date (--date, else today in
// that zone by the binary's clock).
func chooseZone(e *env, c *planner.Compound, p planner.Params) (zoneChoice, error) {
	z := zoneChoice{tz: p.TZ, date: p.Date, tzFrom: "given by --tz", dateFrom: "given by --date"}
	if z.tz == "" {
		at := c.Proj.ToLonLat(orb.Point{0, 0})
		tz, err := zone.At(at[0], at[1])
		if err != nil {
			return z, errs.Invalidf("compound %s (%s): %v; give the zone with --tz (like Asia/Shanghai)", c.Name, c.ID, err)
		}
		z.tz = tz
		z.tzFrom = fmt.Sprintf("where the compound lies (%.4f, %.4f); --tz overrides", at[0], at[1])
	}
	if z.date == "" {
		d, err := today(e, z.tz)
		if err != nil {
			return z, err
		}
		z.date = d
		z.dateFrom = "today in " + z.tz + " when the plan was made; --date overrides"
	}
	return z, nil
}

// assumptions state the zone and date in the plan.
func (z zoneChoice) assumptions() []string {
	return []string{
		fmt.Sprintf("time zone %s: %s", z.tz, z.tzFrom),
		fmt.Sprintf("date %s: %s", z.date, z.dateFrom),
	}
}

// loadZone loads an IANA zone named by --tz.
func loadZone(tz string) (*time.Location, error) {
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "" || tz == "Local" {
		return nil, errs.Invalidf("--tz %q is not an IANA time zone (like Asia/Shanghai)", tz)
	}
	return loc, nil
}

// today is the date in zone tz by e's clock.
func today(e *env, tz string) (string, error) {
	loc, err := loadZone(tz)
	if err != nil {
		return "", err
	}
	return e.clock()().In(loc).Format("2006-01-02"), nil
}

// wholeFileHint suggests --whole-file when compounds hold no buildings but
// the file has buildings outside its compound polygons.
func wholeFileHint(src *planner.Source, cf compoundFlags, empty []*planner.Compound) string {
	if len(empty) == 0 || cf.wholeFile || src == nil {
		return ""
	}
	all, err := src.Compounds(planner.Selection{WholeFile: true})
	if err != nil || len(all) != 1 || len(all[0].Buildings) == 0 {
		return ""
	}
	return fmt.Sprintf(" (the file has %d buildings in all: to plan them as one area, add --whole-file)", len(all[0].Buildings))
}

// compoundLabel names a compound for the terminal: its name and id, or
// its id when it has no name of its own.
func compoundLabel(c *planner.Compound) string {
	if c.Name == "" || c.Name == c.ID {
		return c.ID
	}
	return fmt.Sprintf("%s (%s)", c.Name, c.ID)
}
