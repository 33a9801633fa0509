package queue

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	jsonv1 "github.com/go-json-experiment/json/v1"
	"github.com/redis/go-redis/v9"

	"natq/qr"
)

// formatRawEvent is what raw_event (prelude.lua) writes for e.
func formatRawEvent(e rawEvent) string {
	var b strings.Builder
	b.WriteString(rawEventHead)
	for _, f := range []string{e.compound, e.typ, e.id, strconv.Itoa(e.inLine), strconv.FormatInt(e.at, 10), strconv.Itoa(e.ahead)} {
		b.WriteString(f)
		b.WriteByte(rawEventSep)
	}
	for i, v := range e.vals {
		if i > 0 {
			b.WriteByte(rawEventSep)
		}
		if e.unset&(1<<i) != 0 {
			v = rawEventUnset
		}
		b.WriteString(v)
	}
	return b.String()
}

// rawEventLua builds, in a real redis-server, the events of records of 26
// values in ARGV: compound, type, id, inline, at, ahead and the 20
// ticket values ("\255" for false); inline and ahead as Lua numbers in
// odd records, as the strings Redis gives in even ones. It answers with
// raw_event of each, then, for each, booked_event of the record's values
// 2 to 12 ("" for false) and raw_event of the same booked ticket's values
// in a table, and then the "natq1" event an instance before it published
// (cjson).
const rawEventLua = `
local out, booked, old = {}, {}, {}
for o = 1, #ARGV, 26 do
  local t = {}
  for i = 1, 20 do
    if ARGV[o + 5 + i] == '\255' then t[i] = false else t[i] = ARGV[o + 5 + i] end
  end
  local inline, ahead = ARGV[o + 3], ARGV[o + 5]
  if #out % 2 == 0 then inline, ahead = tonumber(inline), tonumber(ahead) end
  local c, id, at = ARGV[o], ARGV[o + 2], ARGV[o + 4]
  out[#out + 1] = raw_event(c, ARGV[o + 1], id, inline, at, t, ahead)
  local b = {}
  for i = 2, 12 do b[i] = t[i] or '' end
  booked[#booked + 1] = booked_event(c, id, inline, at, b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12])
  booked[#booked + 1] = raw_event(c, 'booked', id, inline, at, {'booked', b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
    b[10], b[11], b[12], false, false, '0', false, at, false, false, '1'}, inline)
  old[#old + 1] = cjson.encode({'natq1', c, ARGV[o + 1], id, inline, at, t, ahead})
end
return {out, booked, old}`

// rawEventArgs are rawEventLua's ARGV for events.
func rawEventArgs(events []rawEvent) []any {
	var args []any
	for _, e := range events {
		args = append(args, e.compound, e.typ, e.id, e.inLine, e.at, e.ahead)
		for i, v := range e.vals {
			if e.unset&(1<<i) != 0 {
				v = rawEventUnset
			}
			args = append(args, v)
		}
	}
	return args
}

// randomValue is a value raw_event may be given: no "\n", no "\xff"; ""
// often, and UTF-8, control characters and JSON's specials among them;
// bytes that are not UTF-8 too unless text.
func randomValue(r *rand.Rand, text bool) string {
	pieces := []string{"", "a", "0", "17", "东", "楼", `"`, `\`, "/", "\t", "\x00", "\x1f", "\x7f", " ", "|", "{", "}", "[", "]", ",", "\xfe", "\xc3"}
	if text {
		pieces = pieces[:len(pieces)-2]
	}
	var b strings.Builder
	for range r.IntN(6) {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

// randomRawEvent is an event raw_event may be given (its values
// randomValue's).
func randomRawEvent(r *rand.Rand, text bool) rawEvent {
	e := rawEvent{compound: "c" + strconv.Itoa(r.IntN(100)), typ: []string{"booked", "checked_in", "called", "moved"}[r.IntN(4)],
		id: strconv.Itoa(1 + r.IntN(1e6)), inLine: r.IntN(2000) - 5, ahead: r.IntN(2000) - 5, at: 1764540000000 + r.Int64N(1e9)}
	if r.IntN(4) == 0 {
		e.compound = "c." + randomValue(r, text) + "x" // no id, but nothing in the format forbids it
	}
	for i := range e.vals {
		if r.IntN(4) == 0 {
			e.unset |= 1 << i
		} else {
			e.vals[i] = randomValue(r, text)
		}
	}
	return e
}

// parseRawEvent reads back what a real redis-server's raw_event writes,
// every byte a value may hold, "" and unset apart; booked_event writes
// what raw_event does for a new ticket; the "natq1" events of an
// instance not yet upgraded (cjson) are still read; anything else is
// refused.
func TestParseRawEvent(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: redistestAddr(t)})
	defer rdb.Close()
	signer, err := qr.NewSigner([]byte("0123456789abcdef-secret"))
	if err != nil {
		t.Fatal(err)
	}
	s := New(nil, signer, DefaultOptions())
	vals := ticketVals{"checked_in", "2026-12-01", `B/7 "东" \ 楼`, "", "301", "2", "online", "dry", "3", "s1", "1764540000000",
		"1764540900000", "1764540060000", "", "0", "T\t1", "1764539000000", "", "", "12"}
	events := []rawEvent{{compound: "c1", typ: "checked_in", id: "123", inLine: 7, ahead: 5, at: 1764540060000, vals: vals,
		unset: 1<<13 | 1<<17 | 1<<18}}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 400 {
		e := randomRawEvent(r, i%2 != 0) // odd here, even in rawEventLua's count from 0: natq1 has those
		if i%3 == 0 {
			e.vals[0], e.unset = []string{"booked", "checked_in", "called", "sampled"}[i%4], e.unset&^1
		}
		events = append(events, e)
	}
	res, err := rdb.Eval(context.Background(), preludeLua+rawEventLua, []string{"k"}, rawEventArgs(events)...).Slice()
	if err != nil {
		t.Fatal(err)
	}
	out, booked, old := res[0].([]any), res[1].([]any), res[2].([]any)
	for i, want := range events {
		raw := out[i].(string)
		e, ok := parseRawEvent(raw)
		if !ok || !reflect.DeepEqual(e, want) {
			t.Errorf("parseRawEvent(%q) = %+v, %v, want %+v", raw, e, ok, want)
		}
		if f := formatRawEvent(want); raw != f {
			t.Errorf("raw_event wrote %q, want %q", raw, f)
		}
		if booked[2*i] != booked[2*i+1] {
			t.Errorf("booked_event wrote %q, raw_event of its values %q", booked[2*i], booked[2*i+1])
		}
		if e, ok := parseRawEvent(booked[2*i].(string)); !ok || e.typ != "booked" || e.vals[0] != "booked" || e.ahead != want.inLine ||
			e.unset != 1<<12|1<<13|1<<15|1<<17|1<<18 {
			t.Errorf("parseRawEvent(%q) = %+v, %v, want a booked ticket's event", booked[2*i], e, ok)
		}
		// cjson writes a string count as a string, and bytes that are not
		// UTF-8 as they are (encoding/json, and so natq1's reader, reads
		// them as U+FFFD): the events of natq1 had neither.
		if raw = old[i].(string); i%2 != 0 || !utf8.ValidString(raw) {
			continue
		}
		if e, ok := parseRawEvent(raw); !ok || !reflect.DeepEqual(e, want) {
			t.Errorf("parseRawEvent(%q) = %+v, %v, want %+v", raw, e, ok, want)
		}
		// Listeners get the Event they got before "natq2", byte for byte,
		// from either form.
		for _, ch := range []string{"natq:{c1}:ev:t:" + want.id, "natq:{c1}:ev:s:s1"} {
			was := legacyExpand(s, ch, []byte(raw))
			if got := s.expand(ch, out[i].(string)); !bytes.Equal(got, was) {
				t.Errorf("expand(%q, %q) = %s, natq1's expand gave %s", ch, out[i], got, was)
			}
			if got := s.expand(ch, raw); !bytes.Equal(got, was) {
				t.Errorf("expand(%q, %q) = %s, natq1's expand gave %s", ch, raw, got, was)
			}
			// An instance from before it drops a "natq2" event (its hub
			// expands what starts with "[") instead of passing it on.
			if got := legacyExpand(s, ch, []byte(out[i].(string))); got != nil || out[i].(string)[0] != '[' {
				t.Errorf("natq1's expand(%q, %q) = %s, want it dropped", ch, out[i], got)
			}
		}
	}

	raw := out[0].(string)
	for _, bad := range []string{"", "[natq2", "[natq2\n", "natq2" + raw[6:], raw[:len(raw)-3], raw + "\n", raw + "\nx", "[natq3" + raw[6:],
		strings.Replace(raw, "\n7\n", "\n07\n", 1), strings.Replace(raw, "\n7\n", "\n+7\n", 1), strings.Replace(raw, "\n7\n", "\n\n", 1),
		strings.Replace(raw, "\n7\n", "\n-0\n", 1), strings.Replace(raw, "\n7\n", "\n7.0\n", 1), strings.Replace(raw, "\n5\n", "\n5x\n", 1),
		strings.Replace(raw, "\n123\n", "\n\n", 1), strings.Replace(raw, "\n123\n", "\n0123\n", 1), strings.Replace(raw, "\nc1\n", "\n\n", 1),
		strings.Replace(raw, "\n1764540060000\n", "\nx\n", 1), strings.Replace(raw, "\nT\t1\n", "\nT\xff1\n", 1),
		strings.Replace(raw, "\nT\t1\n", "\n\xff\xff\n", 1), strings.Replace(raw, "\nT\t1\n", "\nT\n1\n", 1),
		strings.Replace(raw, "\nc1\n", "\n\xff\n", 1), strings.Replace(raw, "\nchecked_in\n", "\n\xff\n", 1),
		"[]", `{"natq1":1}`, `["natq1","c1","t","1",0,"0",["a"],0]`, old[0].(string) + " ", `["natq2"` + old[0].(string)[8:]} {
		if e, ok := parseRawEvent(bad); ok {
			t.Errorf("parseRawEvent(%q) = %+v, want refused", bad, e)
		}
	}
}

// legacyExpand is expand as it was before "natq2" (json.Unmarshal of the
// JSON array), for TestParseRawEvent to hold the Event listeners get to.
func legacyExpand(s *Service, channel string, raw []byte) []byte {
	var ev []json.RawMessage
	if json.Unmarshal(raw, &ev) != nil || len(ev) < 7 || len(ev) > 8 || string(ev[0]) != `"natq1"` {
		return nil
	}
	var compound, typ, idS, atS string
	var inLine, ahead int
	var vals []any
	for i, x := range []any{&compound, &typ, &idS, &inLine, &atS, &vals, &ahead}[:len(ev)-1] {
		if json.Unmarshal(ev[i+1], x) != nil {
			return nil
		}
	}
	for i, v := range vals {
		if _, ok := v.(string); !ok {
			vals[i] = nil // false: a field not set
		}
	}
	if len(vals) != len(ticketFields) {
		return nil
	}
	id, _ := strconv.ParseUint(idS, 10, 64)
	at, _ := strconv.ParseInt(atS, 10, 64)
	p, _ := s.current(compound)
	vs := valsOf(vals)
	t := s.view(p, compound, id, &vs, signed{})
	if t == nil {
		return nil
	}
	t.Ahead = ahead
	if t.State == "booked" {
		t.Ahead = inLine
	}
	e := Event{Type: typ, Compound: compound, Site: t.Site, At: time.UnixMilli(at), State: t.State,
		InLine: inLine, Variant: t.Variant, Version: t.Version}
	if strings.Contains(channel, "}:ev:t:") {
		e.Ticket = t
	} else {
		e.TicketID, e.Party = t.ID, t.Party
	}
	b, _ := jsonv1.Marshal(e)
	return b
}

// parseRawEvent reads what formatRawEvent writes (raw_event's
// equal: TestParseRawEvent), for any values without "\n" or "\xff".
func FuzzRawEventRoundTrip(f *testing.F) {
	f.Add("c1", "called", "7", 5, int64(1796175200000), 0, "called|2026-12-01|b/1||101|2|online|dry|3|s1|1|2|3||1||4|5|3|5", uint32(1<<13|1<<15))
	f.Fuzz(func(t *testing.T, compound, typ, id string, inLine int, at int64, ahead int, vals string, unset uint32) {
		e := rawEvent{compound: compound, typ: typ, id: id, inLine: inLine, at: at, ahead: ahead, unset: unset & (1<<len(ticketVals{}) - 1)}
		vs := strings.Split(vals, "|")
		small := func(n int64) bool { return n > -1e14 && n < 1e14 } // what Lua's %.14g writes as digits
		if len(vs) != len(e.vals) || compound == "" || typ == "" || !digits(id) || id[0] == '0' && len(id) > 1 ||
			!small(int64(inLine)) || !small(int64(ahead)) || !small(at) ||
			strings.ContainsAny(compound+typ+vals, "\n\xff") {
			return
		}
		for i, v := range vs {
			if e.unset&(1<<i) == 0 {
				e.vals[i] = v
			}
		}
		raw := formatRawEvent(e)
		if got, ok := parseRawEvent(raw); !ok || got != e {
			t.Fatalf("parseRawEvent(%q) = %+v, %v, want %+v", raw, got, ok, e)
		}
	})
}

// Nothing parseRawEvent reads is mis-read: a "natq2" event it takes is
// the one event that writes it (formatRawEvent gives it back byte for
// byte), and a "natq1" one reads as encoding/json reads it (the hub's
// expand read events so).
func FuzzParseRawEvent(f *testing.F) {
	f.Add("[natq2\nc1\ncalled\n7\n5\n1796175200000\n0\ncalled\n2026-12-01\nb/1\n\n101\n2\nonline\ndry\n3\ns1\n1796175000000\n1796175900000\n1796175100000\n\xff\n1\n\xff\n1796170000000\n1796175200000\n3\n5")
	f.Add("[natq2\nc1\nx\n1\n-1\n2\n3\na\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\no\np\nq\nr\ns\nt")
	f.Add(`["natq1","c1","called","7",5,"1796175200000",["called","2026-12-01","b\/1","1","101","2","online","dry","3","s1","1796175000000","1796175900000","1796175100000",false,"1",false,"1796170000000","1796175200000","3","5"],0]`)
	f.Add(`["natq1","c\u00e9","x","1",-1,"2",["a","b","c","d","e","f","g","h","i","j","k","l","m","n","o","p","q","r","s","t"],3]`)
	f.Fuzz(func(t *testing.T, raw string) {
		e, ok := parseRawEvent(raw)
		if !ok {
			return
		}
		if strings.HasPrefix(raw, rawEventHead) {
			if f := formatRawEvent(e); f != raw {
				t.Fatalf("parseRawEvent(%q) = %+v, which is written %q", raw, e, f)
			}
			return
		}
		var std []json.RawMessage
		if err := json.Unmarshal([]byte(raw), &std); err != nil || len(std) != 8 && len(std) != 7 {
			t.Fatalf("parseRawEvent(%q) = %+v, but encoding/json reads %v, %v", raw, e, len(std), err)
		}
		var got rawEvent
		var vals []any
		var at string
		for i, x := range []any{&got.compound, &got.typ, &got.id, &got.inLine, &at, &vals, &got.ahead}[:len(std)-1] {
			if err := json.Unmarshal(std[i+1], x); err != nil {
				t.Fatalf("parseRawEvent(%q) = %+v, but encoding/json reads value %d: %v", raw, e, i+1, err)
			}
		}
		got.at, _ = strconv.ParseInt(at, 10, 64)
		if len(vals) != len(got.vals) {
			t.Fatalf("parseRawEvent(%q) = %+v, but encoding/json reads %d values", raw, e, len(vals))
		}
		for i, v := range vals {
			if v == false {
				got.unset |= 1 << i
			} else {
				got.vals[i], _ = v.(string)
			}
		}
		if got != e {
			t.Fatalf("parseRawEvent(%q) = %+v, encoding/json reads %+v", raw, e, got)
		}
	})
}

// BenchmarkParseRawEvent reads a called ticket's event, as every desk
// change's answer and every event a hub expands is read.
func BenchmarkParseRawEvent(b *testing.B) {
	for _, raw := range []string{
		"[natq2\nc1\ncalled\n123456\n17\n1796175200000\n0\ncalled\n2026-12-01\nb12\n2\n301\n3\nonline\ndry\n4\ns3\n1796175000000\n1796175900000\n1796175100000\n\xff\n1\n\xff\n1796170000000\n1796175200000\n3\n5",
		`["natq1","c1","called","123456",17,"1796175200000",["called","2026-12-01","b12","2","301","3","online","dry","4","s3","1796175000000","1796175900000","1796175100000",false,"1",false,"1796170000000","1796175200000","3","5"],0]`,
	} {
		b.Run(strings.Trim(raw[:7], `["`)[:5], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := parseRawEvent(raw); !ok {
					b.Fatal("refused")
				}
			}
		})
	}
}

// BenchmarkExpand expands a called ticket's event for a site's listeners
// and for a ticket's, as each instance's hub does once an event.
func BenchmarkExpand(b *testing.B) {
	signer, err := qr.NewSigner([]byte("0123456789abcdef-secret"))
	if err != nil {
		b.Fatal(err)
	}
	s := New(nil, signer, DefaultOptions())
	raw := "[natq2\nc1\ncalled\n123456\n17\n1796175200000\n0\ncalled\n2026-12-01\nb12\n2\n301\n3\nonline\ndry\n4\ns3\n1796175000000\n1796175900000\n1796175100000\n\xff\n1\n\xff\n1796170000000\n1796175200000\n3\n5"
	for _, ch := range []string{"natq:{c1}:ev:s:s3", "natq:{c1}:ev:t:123456"} {
		b.Run(map[byte]string{'s': "site", 't': "ticket"}[ch[len("natq:{c1}:ev:")]], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if s.expand(ch, raw) == nil {
					b.Fatal("dropped")
				}
			}
		})
	}
}
