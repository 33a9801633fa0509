package sim

import (
	"fmt"
	"time"

	"natq/planner/planfile"
)

// Day is what a simulation needs of a plan: its variants, the desks'
// samples per hour and the walking speed the routes' times assume.
type Day struct {
	Compound  string
	TZ        *time.Location
	Date      time.Time // the day's midnight in TZ (zero when the plan gives none)
	Rate      float64   // samples per desk per hour (the plan's natq:params rate)
	WalkSpeed float64   // m/s the routes' walking times were computed at
	Variants  []*Variant
	Buildings map[string]Building
}

// Variant is one weather variant of the day.
type Variant struct {
	Name    string // dry or wet
	Sites   []Site
	Windows []Window // by start, then schedule index
	// Walk is the walking time from a building's door to its site's line,
	// keyed "building|unit" (the unit's entrance) and "building|" (the
	// building's mean); a group whose building has neither (students)
	// walks its site's median.
	Walk map[string]time.Duration
	// Home is each building's site in this variant (walk-ins go there).
	Home map[string]string
}

// Site is a sampling point of one variant.
type Site struct {
	ID      string
	Name    string
	Desks   int
	Markers int // the one-metre line's capacity, in people
}

// Window is one time window of one site, as the plan file has it.
type Window = planfile.Window

// Group is who a window calls.
type Group = planfile.Group

// Building is what the party sizes are drawn from.
type Building struct {
	Residents  int
	Households int
}

// Variant returns the variant named name, or nil.
func (d *Day) Variant(name string) *Variant {
	for _, v := range d.Variants {
		if v.Name == name {
			return v
		}
	}
	return nil
}

func (v *Variant) site(id string) *Site {
	for i := range v.Sites {
		if v.Sites[i].ID == id {
			return &v.Sites[i]
		}
	}
	return nil
}

// DesksDown is a what-if: N desks of a site stop at At (after the sample
// in hand), and come back at Until when it is not zero.
type DesksDown struct {
	Site  string
	N     int
	At    time.Time
	Until time.Time
}

func (d DesksDown) String() string {
	s := fmt.Sprintf("%s:%d@%s", d.Site, d.N, d.At.Format("15:04"))
	if !d.Until.IsZero() {
		s += "-" + d.Until.Format("15:04")
	}
	return s
}

// Params are a simulation's assumptions. DefaultParams states them; every
// report repeats the ones it ran with.
type Params struct {
	Seed int64 `json:"seed"`
	Runs int   `json:"runs"` // independent runs, seeds Seed, Seed+1, ...

	// Rate overrides the plan's samples per desk per hour when not 0.
	Rate float64 `json:"rate"`
	// ServiceCV is one sample's time's coefficient of variation: 0 every
	// sample takes 3600/Rate s, 1 exponential.
	ServiceCV float64 `json:"service_cv"`

	NoShowShare float64 `json:"noshow_share"` // booked parties that never come
	WalkinShare float64 `json:"walkin_share"` // parties that come unbooked, any time of their site's day
	EarlyShare  float64 `json:"early_share"`  // booked parties that come early ...
	EarlyMean   Minutes `json:"early_mean_min"`
	LateShare   float64 `json:"late_share"` // ... or late, by an exponential time of this mean
	LateMean    Minutes `json:"late_mean_min"`
	// Even puts booked arrivals at even steps through their window rather
	// than at uniform random times (a deterministic day).
	Even bool `json:"even,omitempty"`
	// PartyMean overrides the mean party size (from the plan: residents
	// per household of the building); 1 makes every party one person.
	PartyMean float64 `json:"party_mean"`
	PartyMax  int     `json:"party_max"`
	// SpeedCV spreads each party's walking speed around the plan's.
	SpeedCV float64 `json:"speed_cv"`

	// Early and Grace are the queue service's check-in allowance before a
	// window and after it (queue.Options).
	Early Minutes `json:"checkin_early_min"`
	Grace Minutes `json:"checkin_grace_min"`

	// What-ifs.
	RainAt    time.Time   `json:"rain_at,omitzero"`
	DesksDown []DesksDown `json:"-"`
}

// Minutes is a duration that reads and prints in minutes.
type Minutes float64

// D is m as a time.Duration.
func (m Minutes) D() time.Duration { return time.Duration(float64(m) * float64(time.Minute)) }

// DefaultParams are the assumptions a run makes unless told otherwise.
func DefaultParams() Params {
	return Params{Seed: 1, Runs: 20, ServiceCV: 0.3,
		NoShowShare: 0.05, WalkinShare: 0.03,
		EarlyShare: 0.15, EarlyMean: 8, LateShare: 0.10, LateMean: 10,
		PartyMax: 6, SpeedCV: 0.2, Early: 10, Grace: 15}
}

// check refuses parameters no run can use, naming the field.
func (p *Params) check() error {
	share := func(name string, x float64) error {
		if x < 0 || x > 1 || x != x {
			return fmt.Errorf("sim: %s %v is not a share between 0 and 1", name, x)
		}
		return nil
	}
	for _, s := range []struct {
		n string
		x float64
	}{{"noshow share", p.NoShowShare}, {"walk-in share", p.WalkinShare}, {"early share", p.EarlyShare}, {"late share", p.LateShare}} {
		if err := share(s.n, s.x); err != nil {
			return err
		}
	}
	if p.EarlyShare+p.LateShare > 1 {
		return fmt.Errorf("sim: early share %v and late share %v add up to more than 1", p.EarlyShare, p.LateShare)
	}
	if p.NoShowShare+p.WalkinShare > 1 {
		return fmt.Errorf("sim: no-show share %v and walk-in share %v add up to more than 1", p.NoShowShare, p.WalkinShare)
	}
	if p.Runs < 1 || p.Runs > 100000 {
		return fmt.Errorf("sim: runs %d, want 1 to 100000", p.Runs)
	}
	if p.Rate < 0 || p.ServiceCV < 0 || p.ServiceCV > 5 || p.SpeedCV < 0 || p.SpeedCV > 2 {
		return fmt.Errorf("sim: rate, service spread or speed spread out of range")
	}
	if p.EarlyMean < 0 || p.LateMean < 0 || p.Early < 0 || p.Grace < 0 {
		return fmt.Errorf("sim: early, late, check-in early and grace minutes must not be negative")
	}
	if p.PartyMean < 0 || p.PartyMax < 0 || p.PartyMax > 50 {
		return fmt.Errorf("sim: party mean or maximum out of range")
	}
	for _, d := range p.DesksDown {
		if d.N < 1 {
			return fmt.Errorf("sim: desks down %s: want at least one desk", d)
		}
	}
	return nil
}
