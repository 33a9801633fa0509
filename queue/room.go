package queue

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"natq/planner/planfile"
)

// MaxParty is the most people one household's ticket may bring: a flat's
// registered household (户) rarely holds more, and a bigger party is a
// group that should book as the households it is.
const MaxParty = 8

// maxFloors is what a room's floor may be when the plan does not give the
// building's levels: China's tallest residential towers.
const maxFloors = 60

// cleanNumber is what people type for a room or a unit, made comparable:
// Unicode NFKC (full-width digits become ASCII), invisible, zero-width,
// control and space characters dropped, and the written suffixes (302室,
// 302号, 2单元) taken off.
func cleanNumber(s string, suffixes ...string) string {
	if digits(s) {
		return s // what nearly everyone sends, and what all the rest does nothing to
	}
	s = norm.NFKC.String(s)
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, s)
	for _, x := range suffixes {
		s = strings.TrimSuffix(s, x)
	}
	return s
}

// digits reports whether s is one or more ASCII digits.
func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// NormalizeRoom returns the canonical form of a room number: 701, 0701,
// ７０１, "701\u200b" and 701室 are all "701". It does not check the room
// against a building (see checkRoom).
func NormalizeRoom(s string) string {
	s = cleanNumber(s, "室", "号", "房")
	if digits(s) {
		s = strings.TrimLeft(s, "0")
		if s == "" {
			s = "0"
		}
	}
	return s
}

// NormalizeUnit returns the canonical form of a unit: "2", "02", "２" and
// "2单元" are "2"; a unit that is not a number is kept as cleaned.
func NormalizeUnit(s string) string {
	s = cleanNumber(s, "单元", "号")
	if digits(s) {
		s = strings.TrimLeft(s, "0")
		if s == "" {
			s = "0"
		}
	}
	return s
}

// roomRule says what a room number of building b looks like, for
// refusals.
func roomRule(b *planfile.Building) (zh, en string) {
	floors := maxFloors
	if b != nil && b.Levels > 0 {
		floors = b.Levels
	}
	return fmt.Sprintf("应为楼层加两位门牌号，例如 302（3 层 02 室）；本楼 1–%d 层", floors),
		fmt.Sprintf("a room number is the floor then a two-digit door, e.g. 302 (floor 3, door 02); this building has floors 1–%d", floors)
}

// checkRoom normalises a room of building b and checks it against the
// building's floors: the floor (all but the last two digits) within its
// levels, the door (the last two) 01 to 99.
func checkRoom(b *planfile.Building, room string) (string, error) {
	r := NormalizeRoom(room)
	if r == "" {
		zh, en := roomRule(b)
		return "", BadField("room", "没有填写，"+zh, "missing: "+en)
	}
	if !digits(r) || len(r) < 3 || len(r) > 4 {
		zh, en := roomRule(b)
		return "", BadField("room", "“"+Shown(room)+"”看不懂，"+zh, fmt.Sprintf("%q is not a room number: %s", Shown(room), en))
	}
	n, _ := strconv.Atoi(r)
	floor, door := n/100, n%100
	floors := maxFloors
	if b != nil && b.Levels > 0 {
		floors = b.Levels
	}
	if floor < 1 || floor > floors || door < 1 {
		zh, en := roomRule(b)
		return "", BadField("room", fmt.Sprintf("本楼没有 %s，%s", r, zh), fmt.Sprintf("this building has no room %s: %s", r, en))
	}
	return r, nil
}

// checkUnit normalises a unit of building b and checks it against the
// units the schedule names for it, else the building's unit count.
func checkUnit(p *Plan, b *planfile.Building, unit string) (string, error) {
	u := NormalizeUnit(unit)
	named := p.unitsOf(b.ID)
	bad := func() error {
		return BadField("unit", "这栋楼没有这个单元", fmt.Sprintf("building %q has no unit %q", b.ID, u))
	}
	if len(named) > 0 {
		if !named[u] {
			return "", bad()
		}
		return u, nil
	}
	if u == "" {
		return u, nil
	}
	n, err := strconv.Atoi(u)
	units := b.Units
	if units < 1 {
		units = 1
	}
	if err != nil || n < 1 || n > units {
		return "", bad()
	}
	return u, nil
}

// building returns the plan's building id, or nil.
func (p *Plan) building(id string) *planfile.Building { return p.buildings[id] }

// unitsOf returns the units the schedule's groups name for a building.
func (p *Plan) unitsOf(building string) map[string]bool {
	return p.units[building]
}

// maxParty is the largest party of one household of building b.
func maxParty(b *planfile.Building) int {
	if b != nil && b.Residents > 0 && b.Residents < MaxParty {
		return b.Residents
	}
	return MaxParty
}

// desks is the most desks site has in any variant (at least 1).
func (p *Plan) desks(site string) int {
	return max(p.siteIDs[site], 1)
}
