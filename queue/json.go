package queue

import (
	"bytes"
	"strconv"
	"time"
	"unicode/utf8"
)

// The two answers every resident's phone asks for most, a booking and a
// ticket, are written out field by field: what encoding/json writes, byte
// for byte (TestAppendJSON and FuzzAppendJSON hold them equal, every field
// set), in a third of the time of the general encoder, which reflects over
// the fields and formats each time twice. The HTTP layer uses AppendJSON
// when a value has it, and the general encoder for the rest.

// AppendJSON appends b as encoding/json encodes it; ok is false, and dst
// unchanged, when encoding/json would fail (a time it refuses), so that
// the caller's encoder gives that error.
func (b *Booking) AppendJSON(dst []byte) (_ []byte, ok bool) {
	n0 := len(dst)
	dst = append(dst, `{"ticket":`...)
	dst = appendJSONString(dst, b.Ticket)
	dst = append(dst, `,"id":`...)
	dst = strconv.AppendUint(dst, b.ID, 10)
	dst = append(dst, `,"site":`...)
	dst = appendJSONString(dst, b.Site)
	if b.SiteName != "" {
		dst = append(dst, `,"site_name":`...)
		dst = appendJSONString(dst, b.SiteName)
	}
	dst = append(dst, `,"window":`...)
	dst = b.Window.appendJSON(dst)
	dst = append(dst, `,"party":`...)
	dst = strconv.AppendInt(dst, int64(b.Party), 10)
	dst = append(dst, `,"url":`...)
	dst = appendJSONString(dst, b.URL)
	dst = append(dst, `,"household":`...)
	dst = b.Household.appendJSON(dst)
	if b.PartyChanged {
		dst = append(dst, `,"party_changed":true`...)
	}
	if badTimes(dst[n0:]) {
		return dst[:n0], false
	}
	return append(dst, '}'), true
}

// AppendJSON appends t as encoding/json encodes it; ok as for
// Booking.AppendJSON.
func (t *TicketView) AppendJSON(dst []byte) (_ []byte, ok bool) {
	n0 := len(dst)
	dst = append(dst, `{"ticket":`...)
	dst = appendJSONString(dst, t.Ticket)
	dst = append(dst, `,"id":`...)
	dst = strconv.AppendUint(dst, t.ID, 10)
	dst = append(dst, `,"compound":`...)
	dst = appendJSONString(dst, t.Compound)
	dst = append(dst, `,"round":`...)
	dst = appendJSONString(dst, t.Round)
	dst = append(dst, `,"state":`...)
	dst = appendJSONString(dst, t.State)
	dst = append(dst, `,"household":`...)
	dst = t.Household.appendJSON(dst)
	dst = append(dst, `,"party":`...)
	dst = strconv.AppendInt(dst, int64(t.Party), 10)
	dst = append(dst, `,"origin":`...)
	dst = appendJSONString(dst, t.Origin)
	dst = append(dst, `,"variant":`...)
	dst = appendJSONString(dst, t.Variant)
	dst = append(dst, `,"site":`...)
	dst = appendJSONString(dst, t.Site)
	if t.SiteName != "" {
		dst = append(dst, `,"site_name":`...)
		dst = appendJSONString(dst, t.SiteName)
	}
	dst = append(dst, `,"window":`...)
	dst = t.Window.appendJSON(dst)
	dst = append(dst, `,"window_index":`...)
	dst = strconv.AppendInt(dst, int64(t.WindowIdx), 10)
	dst = append(dst, `,"ahead":`...)
	dst = strconv.AppendInt(dst, int64(t.Ahead), 10)
	dst = append(dst, `,"calls":`...)
	dst = strconv.AppendInt(dst, int64(t.Calls), 10)
	if t.Tube != "" {
		dst = append(dst, `,"tube":`...)
		dst = appendJSONString(dst, t.Tube)
	}
	if t.Students {
		dst = append(dst, `,"students":true`...)
	}
	dst = append(dst, `,"booked_at":`...)
	dst = appendJSONTime(dst, t.BookedAt)
	if t.CheckedIn != nil {
		dst = append(dst, `,"checked_in_at":`...)
		dst = appendJSONTime(dst, *t.CheckedIn)
	}
	if t.CalledAt != nil {
		dst = append(dst, `,"called_at":`...)
		dst = appendJSONTime(dst, *t.CalledAt)
	}
	if t.Desk != 0 {
		dst = append(dst, `,"desk":`...)
		dst = strconv.AppendInt(dst, int64(t.Desk), 10)
	}
	if t.SampledAt != nil {
		dst = append(dst, `,"sampled_at":`...)
		dst = appendJSONTime(dst, *t.SampledAt)
	}
	dst = append(dst, `,"url":`...)
	dst = appendJSONString(dst, t.URL)
	if f := t.Forecast; f != nil {
		dst = append(dst, `,"forecast":{"made":`...)
		dst = appendJSONTime(dst, f.Made)
		dst = append(dst, `,"at":`...)
		dst = appendJSONTime(dst, f.At)
		dst = append(dst, `,"early":`...)
		dst = appendJSONTime(dst, f.Early)
		dst = append(dst, `,"late":`...)
		dst = appendJSONTime(dst, f.Late)
		dst = append(dst, `,"wait_min":`...)
		dst = strconv.AppendInt(dst, int64(f.WaitMin), 10)
		if f.Method != "" {
			dst = append(dst, `,"method":`...)
			dst = appendJSONString(dst, f.Method)
		}
		dst = append(dst, '}')
	}
	dst = append(dst, `,"version":`...)
	dst = strconv.AppendUint(dst, t.Version, 10)
	if badTimes(dst[n0:]) {
		return dst[:n0], false
	}
	return append(dst, '}'), true
}

func (s Span) appendJSON(dst []byte) []byte {
	dst = append(dst, `{"start":`...)
	dst = appendJSONTime(dst, s.Start)
	dst = append(dst, `,"end":`...)
	dst = appendJSONTime(dst, s.End)
	return append(dst, '}')
}

func (h Household) appendJSON(dst []byte) []byte {
	dst = append(dst, `{"building":`...)
	dst = appendJSONString(dst, h.Building)
	dst = append(dst, `,"unit":`...)
	dst = appendJSONString(dst, h.Unit)
	dst = append(dst, `,"room":`...)
	dst = appendJSONString(dst, h.Room)
	dst = append(dst, `,"party":`...)
	dst = strconv.AppendInt(dst, int64(h.Party), 10)
	if h.Students {
		dst = append(dst, `,"students":true`...)
	}
	return append(dst, '}')
}

// appendJSONTime appends t as time.Time's MarshalJSON writes it, RFC
// 3339 with the nanoseconds it has, quoted; when MarshalJSON would refuse
// it (a year outside 0-9999, a zone 24 hours or more off UTC) it appends
// the byte 0 after it instead, which badTimes finds: no string can hold a
// raw 0 (appendJSONString escapes it).
func appendJSONTime(dst []byte, t time.Time) []byte {
	n0 := len(dst)
	dst = append(dst, '"')
	dst = t.AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, '"')
	// The checks of time's appendStrictRFC3339, on the bytes written.
	b := dst[n0+1 : len(dst)-1]
	bad := len(b) < len("2006-01-02T15:04:05Z") || b[4] != '-'
	if !bad && b[len(b)-1] != 'Z' {
		c := b[len(b)-len("Z07:00")]
		h := b[len(b)-len("07:00"):]
		bad = '0' <= c && c <= '9' || 10*(h[0]-'0')+(h[1]-'0') >= 24
	}
	if bad {
		dst = append(dst, 0)
	}
	return dst
}

// badTimes reports whether an answer holds a time encoding/json refuses
// (appendJSONTime).
func badTimes(b []byte) bool { return bytes.IndexByte(b, 0) >= 0 }

const hexDigits = "0123456789abcdef"

// appendJSONString appends s quoted as encoding/json writes a string:
// HTML's <, > and & escaped, control characters as \b, \f, \n, \r, \t or
// \u00XX, U+2028 and U+2029 escaped, invalid UTF-8 as \ufffd.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '\\', '"':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
