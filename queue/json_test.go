package queue_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"natq/queue"
)

// appender is what the HTTP layer looks for (server.go's JSONEncoder).
type appender interface {
	AppendJSON([]byte) ([]byte, bool)
}

// fill sets every exported field of the struct v points to, recursively,
// to a value that is not its zero (strings s, numbers n, times at, pointers
// allocated), so that a field AppendJSON forgets shows in the comparison.
func fill(t *testing.T, v reflect.Value, s string, n int64, at time.Time) {
	t.Helper()
	for i := 0; i < v.NumField(); i++ {
		f, sf := v.Field(i), v.Type().Field(i)
		if !sf.IsExported() {
			continue
		}
		switch {
		case f.Type() == reflect.TypeOf(time.Time{}):
			f.Set(reflect.ValueOf(at.Add(time.Duration(i) * time.Minute)))
		case f.Kind() == reflect.Pointer:
			f.Set(reflect.New(f.Type().Elem()))
			if f.Elem().Kind() == reflect.Struct && f.Type().Elem() != reflect.TypeOf(time.Time{}) {
				fill(t, f.Elem(), s, n, at)
			} else {
				fill1(t, f.Elem(), sf, s, n, at, i)
			}
		case f.Kind() == reflect.Struct:
			fill(t, f, s, n, at)
		default:
			fill1(t, f, sf, s, n, at, i)
		}
	}
}

func fill1(t *testing.T, f reflect.Value, sf reflect.StructField, s string, n int64, at time.Time, i int) {
	t.Helper()
	switch f.Kind() {
	case reflect.String:
		f.SetString(s)
	case reflect.Int:
		f.SetInt(n + int64(i))
	case reflect.Uint64:
		f.SetUint(uint64(n) + uint64(i))
	case reflect.Bool:
		f.SetBool(true)
	case reflect.Struct: // a *time.Time
		f.Set(reflect.ValueOf(at.Add(time.Duration(i) * time.Hour)))
	default:
		t.Fatalf("field %s: a %s, which fill does not know: teach it and AppendJSON", sf.Name, f.Kind())
	}
}

func sameJSON(t *testing.T, name string, v any) {
	t.Helper()
	want, err := json.Marshal(v)
	got, ok := v.(appender).AppendJSON([]byte("prefix"))
	if err != nil {
		if ok {
			t.Errorf("%s: AppendJSON wrote %s where encoding/json fails: %v", name, got, err)
		}
		return
	}
	if !ok || !bytes.Equal(got, append([]byte("prefix"), want...)) {
		t.Errorf("%s: AppendJSON = %s, %v\nencoding/json:   %s", name, got, ok, want)
	}
}

// TestAppendJSON: a booking's and a ticket's answers are what
// encoding/json writes, byte for byte: every field set (strings that need
// escaping, times in other zones and with nanoseconds), every field at
// its zero (the omitempty ones left out), and a time encoding/json
// refuses refused too.
func TestAppendJSON(t *testing.T) {
	zones := []*time.Location{time.UTC, time.FixedZone("CST", 8*3600), time.FixedZone("", -(3*3600 + 30*60))}
	strs := []string{"", "c1.12.abc_DEF-xyz", `北广场 <东> & "西" \ ` + "\u2028\u2029\x00\x1f\b\f\n\r\t\x7f", "bad \xff\xfe utf-8 \xe5\x8c", "é"}
	for _, z := range zones {
		for _, s := range strs {
			at := time.Date(2026, 12, 1, 7, 3, 4, 123456789, z)
			var b queue.Booking
			fill(t, reflect.ValueOf(&b).Elem(), s, 41, at)
			sameJSON(t, "booking", &b)
			var tk queue.TicketView
			fill(t, reflect.ValueOf(&tk).Elem(), s, 7, at)
			sameJSON(t, "ticket", &tk)
		}
	}
	sameJSON(t, "zero booking", &queue.Booking{})
	sameJSON(t, "zero ticket", &queue.TicketView{})
	sameJSON(t, "ticket with no forecast or times", &queue.TicketView{Ticket: "x", Forecast: nil, BookedAt: time.Unix(0, 0)})
	far := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	sameJSON(t, "booking in year 10000", &queue.Booking{Window: queue.Span{Start: far}})
	sameJSON(t, "ticket checked in in year 10000", &queue.TicketView{CheckedIn: &far})
	odd := time.Date(2026, 12, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600))
	sameJSON(t, "ticket in a zone 24 hours off", &queue.TicketView{Forecast: &queue.Forecast{Late: odd}})
}

// FuzzAppendJSON: any strings and numbers in a ticket's fields encode as
// encoding/json encodes them.
func FuzzAppendJSON(f *testing.F) {
	f.Add("c1.12.abc", "北广场 <东>", int64(3), int64(1764540000123), int64(8*3600))
	f.Add("\xff", "\u2028", int64(-1), int64(-62135596800000), int64(-3600))
	f.Fuzz(func(t *testing.T, s1, s2 string, n, ms, off int64) {
		at := time.UnixMilli(ms).In(time.FixedZone("", int(off%(30*3600))))
		var tk queue.TicketView
		fill(t, reflect.ValueOf(&tk).Elem(), s1, n, at)
		tk.SiteName, tk.Household.Room = s2, s2
		sameJSON(t, "ticket", &tk)
		var b queue.Booking
		fill(t, reflect.ValueOf(&b).Elem(), s2, n, at)
		b.Ticket = s1
		sameJSON(t, "booking", &b)
	})
}
