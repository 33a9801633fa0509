package planfile

import (
	"time"
	_ "time/tzdata" // plans name IANA zones; the binary carries their data

	"github.com/paulmach/orb"
)

// File is one plan file: one compound's plan, every weather variant of it.
// Geometry is lon/lat as in the file, unless the File was made by
// Projected.
type File struct {
	Compound Compound
	Params   Params
	// Variants are the plan's weather variants ("dry", "wet"): those of
	// its params, then any other its features or schedule name.
	Variants []string
	Schedule []Window // natq:schedule, in file order: Schedule[i].Index == i
	Report   Report
	Warnings []string

	Buildings []*Building // one per building id, in file order
	Entrances []Entrance
	Gates     []Gate
	Sites     []*Site // one per site id and variant, in file order
	Routes    []Route
	Posts     []Post
	Visits    []Visit

	loc *time.Location
}

// Compound names the compound a plan is for.
type Compound struct {
	ID   string // short and URL-safe: it names the compound in URLs and Redis keys
	Name string
}

// Params are the parameters the plan was made with.
type Params struct {
	Date         string // YYYY-MM-DD, the compound's local date: the round
	TZ           string // IANA time zone; "" reads as UTC
	Desks        int    // sampling desks (teams) on hand
	Rate         int    // samples per desk per hour
	Start, End   string // "07:00"; End may be "auto"
	Window       time.Duration
	Spacing      float64 // metres between people in line (the one-metre rule)
	RainFactor   float64
	WalkSpeed    float64 // metres per second
	Students     string  // "16:30-18:00", or "none"
	StudentShare float64
	MarshalEvery float64 // metres of queue line per marshal
	Variants     []string
	Strict       bool
	// Canopies are the canopies on hand for desks at open sites in the
	// wet: -1 as many as needed; nil in a plan from before natq weighed
	// canopies against time.
	Canopies *int
}

// Window is one time window of one site in one variant: who is called,
// and how many the site admits.
type Window struct {
	// Index is the window's position in natq:schedule; the queue service
	// and the pages name a window by it.
	Index      int
	Variant    string
	Site       string
	Start, End time.Time
	// Capacity is the most people the window admits: desks x rate x
	// window length, and never more than the site's line holds at one
	// metre apart. The queue admits exactly this many.
	Capacity int
	Students bool // the students' period
	Groups   []Group
}

// People is how many the window's groups call.
func (w Window) People() int {
	n := 0
	for _, g := range w.Groups {
		n += g.People
	}
	return n
}

// Calls reports whether the window calls building (any of its units).
func (w Window) Calls(building string) bool {
	for _, g := range w.Groups {
		if g.Building == building {
			return true
		}
	}
	return false
}

// Students is the Group.Building of the students' period's groups.
const Students = "students"

// StudentsWindows are the students' period windows of variant that
// building b's students book: those of the site b goes to in variant, or
// every site's when that site has none (or b has no site); in schedule
// order. The queue books them (Household.Students), the building sheet
// and the resident's page show their times.
func (f *File) StudentsWindows(b *Building, variant string) []Window {
	var own, all []Window
	for _, w := range f.Schedule {
		if w.Students && w.Variant == variant {
			all = append(all, w)
			if w.Site == b.Site[variant] {
				own = append(own, w)
			}
		}
	}
	if len(own) == 0 {
		return all
	}
	return own
}

// Group is who a window calls: one unit of a building and a range of its
// floors, or the students.
type Group struct {
	Building string // a building id, or Students
	Unit     string // "" when the plan does not split the building by unit
	Floors   []int  // [from, to]; nil for the students
	// Rooms, only on a floor too big for one window, are the rooms this
	// window calls, [from, to] as floor x 100 + door; the floor's other
	// rooms are in the next windows.
	Rooms  []int
	People int
}

// Building is one building of the compound, with the site it goes to in
// each variant.
type Building struct {
	ID                 string
	Name               string
	Residents          int
	ResidentsEstimated bool // from footprint and levels, not from the compound file
	Households         int
	Units              int
	Levels             int
	Sealed             bool             // sampled door to door
	Outline            orb.MultiPolygon // exterior rings counter-clockwise
	// Site is the building's site in each variant: variant -> site id,
	// "" when it is sampled door to door. A variant is a key of Site
	// exactly when the file has the building's copy for it.
	Site       map[string]string
	DoorToDoor map[string]bool // variant -> sampled at home
}

// Label is the building's name, or its id when it has none.
func (b *Building) Label() string {
	if b.Name != "" {
		return b.Name
	}
	return b.ID
}

// Entrance is a building's door.
type Entrance struct {
	ID       string // the feature's id; "" when the file gives none
	Building string
	Unit     string // the door's unit (ref); "" when unknown
	Inferred bool   // placed by natq, not in the compound file
	At       orb.Point
}

// Gate is a gate of the compound.
type Gate struct {
	ID, Name string
	At       orb.Point
}

// Site is one candidate sampling site in one variant, with its desks and
// queue line when it is used.
type Site struct {
	ID, Name  string
	Variant   string
	Sheltered bool
	AreaM2    float64
	MaxDesks  int
	Desks     int // desks in use; 0: the site is not used in this variant
	// LineCapacity is how many people the site's queue line holds at the
	// plan's spacing: its markers. No window of the site admits more.
	LineCapacity int
	Canopies     int
	Outside      bool // outside the compound's boundary
	Inferred     bool // placed by natq (a roadside site), not in the compound file
	Area         orb.Polygon
	DeskAt       []orb.Point
	Entry, Exit  *orb.Point // where the line starts; where people leave the desks
	// EntryWalkway and ExitWalkway are where the ways in and out meet the
	// walkways (the entry: where most of the site's residents arrive; the
	// exit: on another side where the site has one); EntrySide and
	// ExitSide the index of the outline's segment each is by. nil in a
	// plan from before sites were joined on every side.
	EntryWalkway, ExitWalkway *orb.Point
	EntrySide, ExitSide       int
	Line                      orb.LineString // serpentine, first point = line start
	LineLength                float64        // metres
	Markers                   []orb.Point    // the one-metre floor marks, marker 1 first
}

// Label is the site's name, or its id when it has none.
func (s *Site) Label() string {
	if s.Name != "" {
		return s.Name
	}
	return s.ID
}

// Route is one walk: Direction "to" from a building's entrance to its
// site's line, "back" from the desks to the entrance.
type Route struct {
	Variant, Building, Site, Entrance, Direction string
	Length, Uncovered, WalkSeconds               float64 // metres, metres in the open, seconds
	Path                                         orb.LineString
}

// Post is one person's post on the battle map.
type Post struct {
	Variant string
	Role    string // coordinator, marshal, caller, guard
	Label   string
	Site    string // when at a site
	// Building is the building a caller calls.
	Building string
	At       orb.Point
}

// Visit is the door-to-door team's walk, from a gate.
type Visit struct {
	Variant     string
	Length      float64 // metres
	Households  int
	WalkSeconds float64
	Stops       []string // building ids, in visiting order
	Path        orb.LineString
}

// Report is natq:report: each variant's figures and the assumptions made.
type Report struct {
	Assumptions []string
	Figures     map[string]*Figures // variant -> figures
}

// Figures are one variant's report. The fields are in the order of their
// JSON names, as the file has always listed them.
type Figures struct {
	Canopies              int            `json:"canopies"`
	CanopyTrade           *CanopyTrade   `json:"canopy_trade,omitempty"`
	Desks                 int            `json:"desks"`
	DoorToDoor            int            `json:"door_to_door"`
	End                   string         `json:"end,omitempty"` // the main day's last window end, RFC 3339
	Exact                 bool           `json:"exact"`
	Gap                   float64        `json:"gap"`
	Guidance              *Guidance      `json:"guidance,omitempty"`
	LowerBoundM           float64        `json:"lower_bound_m"`
	LowerBoundMakespanMin float64        `json:"lower_bound_makespan_min"`
	MakespanMin           float64        `json:"makespan_min"`
	ObjectiveM            float64        `json:"objective_m"`
	Residents             int            `json:"residents"`
	Scheduled             int            `json:"scheduled"`
	Shortage              string         `json:"shortage,omitempty"`
	Sites                 int            `json:"sites"`
	Staff                 int            `json:"staff"`
	StaffByRole           map[string]int `json:"staff_by_role"`
	StudentsEnd           string         `json:"students_end,omitempty"`
	UncoveredLineM        float64        `json:"uncovered_line_m"`
	UncoveredMeanM        float64        `json:"uncovered_mean_m"`
	Unrouted              int            `json:"unrouted"`
	WalkMaxM              float64        `json:"walk_max_m"`
	WalkMeanM             float64        `json:"walk_mean_m"`
	WalkP95M              float64        `json:"walk_p95_m"`
	Within300M            float64        `json:"within_300m"`
}

// Location is the plan's time zone (UTC when the file names none).
func (f *File) Location() *time.Location {
	if f.loc == nil {
		f.loc = time.UTC
		if loc, err := time.LoadLocation(f.Params.TZ); err == nil {
			f.loc = loc
		}
	}
	return f.loc
}

// Building returns the building with the given id, or nil.
func (f *File) Building(id string) *Building {
	for _, b := range f.Buildings {
		if b.ID == id {
			return b
		}
	}
	return nil
}

// Site returns the site with the given id in a variant, or nil.
func (f *File) Site(id, variant string) *Site {
	for _, s := range f.Sites {
		if s.ID == id && s.Variant == variant {
			return s
		}
	}
	return nil
}

// SiteName is a site's name in whichever variant names it, else its id.
func (f *File) SiteName(id string) string {
	for _, s := range f.Sites {
		if s.ID == id && s.Name != "" {
			return s.Name
		}
	}
	return id
}

// UsedSites are the sites of a variant that have desks, in file order.
func (f *File) UsedSites(variant string) []*Site {
	var out []*Site
	for _, s := range f.Sites {
		if s.Variant == variant && (s.Desks > 0 || len(s.DeskAt) > 0) {
			out = append(out, s)
		}
	}
	return out
}

// WindowsOf are the windows of one site in one variant, in schedule order.
func (f *File) WindowsOf(variant, site string) []Window {
	var out []Window
	for _, w := range f.Schedule {
		if w.Variant == variant && w.Site == site {
			out = append(out, w)
		}
	}
	return out
}

// RoutesOf are a building's routes in a variant ("" for every variant),
// in file order.
func (f *File) RoutesOf(building, variant string) []Route {
	var out []Route
	for _, r := range f.Routes {
		if r.Building == building && (variant == "" || r.Variant == variant) {
			out = append(out, r)
		}
	}
	return out
}

// EntrancesOf are a building's doors.
func (f *File) EntrancesOf(building string) []Entrance {
	var out []Entrance
	for _, e := range f.Entrances {
		if e.Building == building {
			out = append(out, e)
		}
	}
	return out
}

// Guidance is a variant's figures against the national guidance (NHC, May
// 2022): residents per site and per desk, the longest walk and the
// longest wait in line, with the ranges and caps they are held to, how
// many desks and sites would meet it, and each breach in words.
type Guidance struct {
	Breaches              []string  `json:"breaches"`
	DesksNeeded           int       `json:"desks_needed"`
	LongestWaitMin        float64   `json:"longest_wait_min"`
	LongestWalkMin        float64   `json:"longest_walk_min"`
	ResidentsPerDesk      float64   `json:"residents_per_desk"`
	ResidentsPerDeskRange []int     `json:"residents_per_desk_range"`
	ResidentsPerSite      float64   `json:"residents_per_site"`
	ResidentsPerSiteRange []int     `json:"residents_per_site_range"`
	SitesNeeded           int       `json:"sites_needed"`
	WaitCapMin            []float64 `json:"wait_cap_min"`
	WalkCapMin            float64   `json:"walk_cap_min"`
}

// CanopyTrade is what canopies bought a wet day: how many, the end they
// make, the end on sheltered sites alone ("" when those cannot hold the
// day), the minutes saved, the canopies on hand (nil: as many as needed)
// and all of it in words.
type CanopyTrade struct {
	Canopies     int     `json:"canopies"`
	End          string  `json:"end"`
	OnHand       *int    `json:"on_hand,omitempty"`
	SavedMin     float64 `json:"saved_min"`
	ShelteredEnd string  `json:"sheltered_end,omitempty"`
	Text         string  `json:"text"`
}
