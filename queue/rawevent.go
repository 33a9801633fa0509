package queue

import (
	"encoding/json"
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf8"
)

// rawEvent is a script's compact event (raw_event in prelude.lua): a
// change script answers with the event it published, so that Redis
// returns one string instead of the ticket's values one by one.
type rawEvent struct {
	compound, typ, id string
	inLine, ahead     int
	at                int64
	vals              ticketVals // "" for a field not set
	unset             uint32     // bit i: ticketFields[i] is not set (false in Lua)
}

// rawEventHead starts a compact event, rawEventSep ends each of its
// fields but the last, and rawEventUnset is a value not set (prelude.lua's
// raw_event). No value holds either byte (see raw_event).
const (
	rawEventHead  = "[natq2\n"
	rawEventSep   = '\n'
	rawEventUnset = "\xff"
)

// parseRawEvent reads a compact event: "[natq2", compound, type, id, people
// in line, at (unix ms), people ahead, then the ticketFields values, each
// field ended by "\n" but the last, a value not set "\xff"; or, from an
// instance not yet upgraded, the JSON array "natq1" events were (cjson of
// ["natq1",compound,type,id,inline,at,[values (strings or false)],ahead]).
// It reads that shape only, without reflection and without allocating
// (but for a natq1 string with escapes): every desk change's answer and
// every event a hub expands goes through it. False when raw is not one:
// a field too many or too few, a number that is not one as Lua writes
// it, "\xff" anywhere but as a whole value.
func parseRawEvent(raw string) (rawEvent, bool) {
	rest, ok := strings.CutPrefix(raw, rawEventHead)
	if !ok {
		return parseRawEventJSON(raw)
	}
	var e rawEvent
	var head [6]string
	for i := range head {
		j := strings.IndexByte(rest, rawEventSep)
		if j < 0 {
			return e, false
		}
		head[i], rest = rest[:j], rest[j+1:]
	}
	for i := range e.vals {
		v := rest
		if i < len(e.vals)-1 {
			j := strings.IndexByte(rest, rawEventSep)
			if j < 0 {
				return e, false
			}
			v, rest = rest[:j], rest[j+1:]
		} else if strings.IndexByte(rest, rawEventSep) >= 0 {
			return e, false
		}
		if v == rawEventUnset {
			e.unset |= 1 << i
		} else {
			e.vals[i] = v
		}
	}
	e.compound, e.typ, e.id = head[0], head[1], head[2]
	var inLine, at, ahead int64
	if inLine, ok = luaInt(head[3]); !ok {
		return e, false
	}
	if at, ok = luaInt(head[4]); !ok {
		return e, false
	}
	if ahead, ok = luaInt(head[5]); !ok {
		return e, false
	}
	e.inLine, e.at, e.ahead = int(inLine), at, int(ahead)
	if e.compound == "" || e.typ == "" || !digits(e.id) || len(e.id) > 1 && e.id[0] == '0' ||
		strings.Count(raw, rawEventUnset) != bits.OnesCount32(e.unset) {
		return e, false
	}
	return e, true
}

// luaInt reads an integer as Lua writes one (%.14g: up to 14 digits):
// an optional "-", then digits without a leading zero; "0", not "-0".
func luaInt(s string) (int64, bool) {
	d := strings.TrimPrefix(s, "-")
	if !digits(d) || len(d) > 14 || d[0] == '0' && (len(d) > 1 || len(s) > 1) {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// parseRawEventJSON reads a "natq1" event as cjson writes it:
// ["natq1",compound,type,id,inline,at,[values (strings or false)],ahead]
// (ahead missing in the oldest).
func parseRawEventJSON(raw string) (rawEvent, bool) {
	var e rawEvent
	p := eventParser{s: raw}
	if !p.lit("[") || p.str() != "natq1" || !p.lit(",") {
		return e, false
	}
	e.compound = p.str()
	p.need(",")
	e.typ = p.str()
	p.need(",")
	e.id = p.str()
	p.need(",")
	e.inLine = int(p.num())
	p.need(",")
	e.at, _ = strconv.ParseInt(p.str(), 10, 64)
	p.need(",")
	if !p.lit("[") {
		return e, false
	}
	n := 0
	for ; !p.bad && !p.lit("]"); n++ {
		if n > 0 && !p.lit(",") || n == len(e.vals) {
			return e, false
		}
		if p.lit("false") {
			e.unset |= 1 << n
			continue
		}
		e.vals[n] = p.str()
	}
	if !p.lit("]") {
		p.need(",")
		e.ahead = int(p.num())
		p.need("]")
	}
	if p.bad || p.i != len(p.s) || n != len(e.vals) {
		return e, false
	}
	return e, true
}

// eventParser reads the JSON of a "natq1" event; bad once it found
// anything else.
type eventParser struct {
	s   string
	i   int
	bad bool
}

// lit takes x when it comes next.
func (p *eventParser) lit(x string) bool {
	if p.bad || !strings.HasPrefix(p.s[p.i:], x) {
		return false
	}
	p.i += len(x)
	return true
}

// need takes x, which must come next.
func (p *eventParser) need(x string) {
	if !p.lit(x) {
		p.bad = true
	}
}

// str takes a JSON string; one with escapes (cjson writes "/" as "\/") or
// bytes that are not UTF-8 is read by encoding/json.
func (p *eventParser) str() string {
	if p.bad || p.i >= len(p.s) || p.s[p.i] != '"' {
		p.bad = true
		return ""
	}
	esc := false
	for j := p.i + 1; j < len(p.s); j++ {
		switch c := p.s[j]; {
		case c == '\\':
			esc = true
			j++
		case c < 0x20:
			p.bad = true // JSON has no raw control characters
			return ""
		case c == '"':
			tok := p.s[p.i : j+1]
			p.i = j + 1
			if !esc && utf8.ValidString(tok) {
				return tok[1 : len(tok)-1]
			}
			var v string
			if json.Unmarshal([]byte(tok), &v) != nil {
				p.bad = true
			}
			return v
		}
	}
	p.bad = true
	return ""
}

// num takes a JSON integer.
func (p *eventParser) num() int64 {
	j := p.i
	if j < len(p.s) && p.s[j] == '-' {
		j++
	}
	for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
		j++
	}
	d := p.s[p.i:j]
	n, err := strconv.ParseInt(d, 10, 64)
	if p.bad || err != nil || strings.HasPrefix(strings.TrimPrefix(d, "-"), "0") && len(strings.TrimPrefix(d, "-")) > 1 {
		p.bad = true
		return 0
	}
	p.i = j
	return n
}
