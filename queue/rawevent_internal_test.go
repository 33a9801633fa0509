package queue

import (
	"context"
	"encoding/json"
	"reflect"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"
)

// parseRawEvent reads what a real redis-server's cjson writes for
// raw_event (prelude.lua), escapes and unset fields included, as
// encoding/json reads it; and refuses what is not one.
func TestParseRawEvent(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: redistestAddr(t)})
	defer rdb.Close()
	vals := []any{"checked_in", "2026-12-01", `B/7 "东" \ 楼`, "2", "301", "2", "online", "dry", "3", "s1", "1764540000000",
		"1764540900000", "1764540060000", nil, "0", "T\t1", "1764539000000", nil, nil, "12"}
	args := []any{"c1", "checked_in", "123", 7, "1764540060000"}
	for _, v := range vals {
		if v == nil {
			v = "\x00false" // the script makes it false
		}
		args = append(args, v)
	}
	args = append(args, 5)
	raw, err := rdb.Eval(context.Background(), preludeLua+`
local t = {}
for i = 6, 25 do if ARGV[i] == '\0false' then t[i - 5] = false else t[i - 5] = ARGV[i] end end
return raw_event(ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5], t, tonumber(ARGV[26]))`, []string{"k"}, args...).Text()
	if err != nil {
		t.Fatal(err)
	}
	e, ok := parseRawEvent(raw)
	want := rawEvent{compound: "c1", typ: "checked_in", id: "123", inLine: 7, ahead: 5, at: 1764540060000, vals: vals}
	if !ok || !reflect.DeepEqual(e, want) {
		t.Errorf("parseRawEvent(%s) = %+v, %v, want %+v", raw, e, ok, want)
	}
	var std []any
	if err := json.Unmarshal([]byte(raw), &std); err != nil {
		t.Fatal(err)
	}
	for i, v := range std[6].([]any) {
		if v == false {
			v = nil
		}
		if v != e.vals[i] {
			t.Errorf("value %d = %q, encoding/json reads %q", i, e.vals[i], v)
		}
	}
	for _, bad := range []string{"", "[]", raw[:len(raw)-1], raw + " ", `["natq2"` + raw[8:], `{"natq1":1}`,
		`["natq1","c1","t","1",0,"0",["a"],0]`} {
		if e, ok := parseRawEvent(bad); ok {
			t.Errorf("parseRawEvent(%q) = %+v, want refused", bad, e)
		}
	}
}

// What parseRawEvent reads, encoding/json reads the same from (the
// hub's expand reads events so).
func FuzzParseRawEvent(f *testing.F) {
	f.Add(`["natq1","c1","called","7",5,"1796175200000",["called","2026-12-01","b\/1","1","101","2","online","dry","3","s1","1796175000000","1796175900000","1796175100000",false,"1",false,"1796170000000","1796175200000","3","5"],0]`)
	f.Add(`["natq1","c\u00e9","x","1",-1,"2",["a","b","c","d","e","f","g","h","i","j","k","l","m","n","o","p","q","r","s","t"],3]`)
	f.Fuzz(func(t *testing.T, raw string) {
		e, ok := parseRawEvent(raw)
		if !ok {
			return
		}
		var std []json.RawMessage
		if err := json.Unmarshal([]byte(raw), &std); err != nil || len(std) != 8 {
			t.Fatalf("parseRawEvent(%q) = %+v, but encoding/json reads %v, %v", raw, e, len(std), err)
		}
		var got rawEvent
		var vals []any
		var at string
		for i, x := range []any{&got.compound, &got.typ, &got.id, &got.inLine, &at, &vals, &got.ahead} {
			if err := json.Unmarshal(std[i+1], x); err != nil {
				t.Fatalf("parseRawEvent(%q) = %+v, but encoding/json reads value %d: %v", raw, e, i+1, err)
			}
		}
		got.at, _ = strconv.ParseInt(at, 10, 64)
		for _, v := range vals {
			if v == false {
				v = nil
			}
			got.vals = append(got.vals, v)
		}
		if !reflect.DeepEqual(got, e) {
			t.Fatalf("parseRawEvent(%q) = %+v, encoding/json reads %+v", raw, e, got)
		}
	})
}
