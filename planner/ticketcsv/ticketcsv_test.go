package ticketcsv

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"natq/planner/errs"
)

func sample() []Ticket {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	at := time.Date(2026, 12, 1, 8, 0, 0, 0, sh)
	return []Ticket{
		{Compound: "c1", Date: "2026-12-01", TZ: "Asia/Shanghai", Row: 2, Number: 14, Name: "王秀英", Building: "b1", Unit: "2", Room: "301",
			Party: 2, Site: "s1", SiteName: "篮球场, 北", Start: at, End: at.Add(15 * time.Minute), Token: "c1.e.mac", URL: "https://natq.test/t/c1.e.mac"},
		{Compound: "c1", Date: "2026-12-01", TZ: "Asia/Shanghai", Row: 3, Building: "b1", Unit: "2", Room: "302", Party: 1, Error: "full"},
		{Compound: "c1", Date: "2026-12-01", TZ: "Asia/Shanghai", Row: 4, Number: 15, Building: "b1", Unit: "2", Room: "301", Party: 1,
			Site: "s1", Start: at.Add(9 * time.Hour), End: at.Add(9*time.Hour + 15*time.Minute), Token: "c1.f.mac", URL: "https://natq.test/t/c1.f.mac", Students: true},
	}
}

// TestRoundTrip: what Write writes, Read reads back the same, times in
// the compound's zone whatever the machine's.
func TestRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "2026-12-01T08:00:00+08:00") {
		t.Errorf("Write: times not in the compound's zone:\n%s", buf.String())
	}
	got, err := Read(&buf)
	if err != nil {
		t.Fatalf("Read(Write(sample)) = %v", err)
	}
	want := sample()
	for i := range got {
		if !got[i].Start.Equal(want[i].Start) || !got[i].End.Equal(want[i].End) {
			t.Errorf("row %d: times %v-%v, want %v-%v", i, got[i].Start, got[i].End, want[i].Start, want[i].End)
		}
		got[i].Start, got[i].End, want[i].Start, want[i].End = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Read(Write(sample)) = %+v\nwant %+v", got, want)
	}
	if n := len(Tickets(got)); n != 2 {
		t.Errorf("Tickets = %d rows, want 2 (the full row has no ticket)", n)
	}
}

func TestReadErrors(t *testing.T) {
	head := strings.Join(Header, ",") + "\n"
	row := func(edit func(r []string)) string {
		r := []string{"c1", "2026-12-01", "Asia/Shanghai", "2", "14", "", "b1", "2", "301", "2", "s1", "", "2026-12-01T08:00:00+08:00", "2026-12-01T08:15:00+08:00", "c1.e.mac", "https://x/t/c1.e.mac", ""}
		edit(r)
		return strings.Join(r, ",") + "\n"
	}
	ok := row(func([]string) {})
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "the file is empty"},
		{"old header", "building,unit,room,party,ticket,site,start,end,url\n", `no "compound" column`},
		{"bad party", head + row(func(r []string) { r[9] = "x" }), `line 2: party "x" is not a positive number`},
		{"bad number", head + row(func(r []string) { r[4] = "" }), `line 2: number "" is not a ticket number`},
		{"bad time", head + row(func(r []string) { r[12] = "08:00" }), `line 2: window_start "08:00" is not an RFC 3339 time`},
		{"wrong day", head + row(func(r []string) { r[12] = "2026-11-30T15:00:00Z"; r[13] = "2026-11-30T15:15:00Z" }), "window_start 2026-11-30T15:00:00Z is on 2026-11-30 in Asia/Shanghai, not on the file's date 2026-12-01"},
		{"utc offsets", head + row(func(r []string) { r[12] = "2026-12-01T00:00:00Z"; r[13] = "2026-12-01T00:15:00Z" }), ""},
		{"bad zone", head + row(func(r []string) { r[2] = "CST" }), `line 2: tz "CST" is not an IANA time zone`},
		{"bad date", head + row(func(r []string) { r[1] = "1.12.2026" }), `line 2: date "1.12.2026" is not a date`},
		{"two rounds", head + ok + row(func(r []string) { r[1] = "2026-12-02" }), "line 3: compound c1 on 2026-12-02 (Asia/Shanghai), but line 2 is c1 on 2026-12-01"},
		{"no url", head + row(func(r []string) { r[15] = "" }), "line 2: no url"},
		{"bad students", head + strings.TrimSuffix(ok, "\n") + ",maybe\n", `line 2: students "maybe" is neither yes nor empty`},
		{"students", head + strings.TrimSuffix(ok, "\n") + ",是\n", ""},
		{"no students column", strings.TrimSuffix(head, ",students\n") + "\n" + ok, ""},
		{"GBK name", head + strings.Replace(ok, "https://x/t/c1.e.mac,", "https://x/t/c1.e.mac,\xc7\xae\xc6\xdf", 1), "not UTF-8 (from line 2; GBK"},
		{"UTF-16", "\xff\xfe" + head, "the file is UTF-16"},
		{"end before start", head + row(func(r []string) { r[13] = "2026-12-01T07:45:00+08:00" }), "window_end 2026-12-01T07:45:00+08:00 is not after"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tc.in))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Read(%s) = %v, want no error", tc.name, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Read(%s) = %v, want an error containing %q", tc.name, err, tc.want)
			}
			if code := errs.CodeOf(err); code != errs.Invalid {
				t.Errorf("Read(%s) error code %q, want %q", tc.name, code, errs.Invalid)
			}
		})
	}
}
