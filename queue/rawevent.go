package queue

import (
	"encoding/json"
	"strconv"
	"strings"
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
	p.lit(",")
	e.typ = p.str()
	p.lit(",")
	e.id = p.str()
	p.lit(",")
	e.inLine = int(p.num())
	p.lit(",")
	e.at, _ = strconv.ParseInt(p.str(), 10, 64)
	p.lit(",")
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
	if p.lit(",") {
		e.ahead = int(p.num())
	}
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

// str takes a JSON string; one with escapes (cjson writes "/" as "\/") is
// read by encoding/json.
func (p *eventParser) str() string {
	if p.bad || p.i >= len(p.s) || p.s[p.i] != '"' {
		p.bad = true
		return ""
	}
	esc := false
	for j := p.i + 1; j < len(p.s); j++ {
		switch p.s[j] {
		case '\\':
			esc = true
			j++
		case '"':
			tok := p.s[p.i : j+1]
			p.i = j + 1
			if !esc {
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
	n, err := strconv.ParseInt(p.s[p.i:j], 10, 64)
	if p.bad || err != nil {
		p.bad = true
		return 0
	}
	p.i = j
	return n
}
