package queue

import (
	"encoding/json"
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
	vals              []any // ticketFields order; nil for a field not set
}

// parseRawEvent reads a compact event as cjson writes it:
// ["natq1",compound,type,id,inline,at,[values (strings or false)],ahead].
// It reads that shape only, without reflection (every desk change's
// answer goes through it); false when raw is not one.
func parseRawEvent(raw string) (rawEvent, bool) {
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
	e.vals = make([]any, 0, len(ticketFields))
	for !p.bad && !p.lit("]") {
		if len(e.vals) > 0 && !p.lit(",") {
			return e, false
		}
		if p.lit("false") {
			e.vals = append(e.vals, nil)
			continue
		}
		e.vals = append(e.vals, p.str())
	}
	p.need(",")
	e.ahead = int(p.num())
	if !p.lit("]") || p.bad || p.i != len(p.s) || len(e.vals) != len(ticketFields) {
		return e, false
	}
	return e, true
}

// eventParser reads the JSON of a compact event; bad once it found
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
