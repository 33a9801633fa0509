// Package ticketcsv is the one format of pre-booked tickets: the queue
// service writes it when it pre-books households without phones, and
// natq print reads it to print their ticket cards.
//
// A ticket CSV is UTF-8, comma-separated, with this header row (columns
// are found by name, so a spreadsheet may reorder them or add its own):
//
//	compound      the compound's id in the plan (natq:compound.id)
//	date          the round's date, YYYY-MM-DD, in the compound's zone
//	tz            the compound's IANA time zone, as the plan states it
//	row           the household's row in the pre-booking request
//	number        the ticket's short number, as the site tablet shows it (票 14)
//	name          the resident's name, when the request gave one
//	building      building id, as in the plan
//	unit, room    the household's unit (may be empty) and room
//	party         people in the household who come down, 1 to 8
//	site          site id; site_name its name
//	window_start  RFC 3339, in the compound's zone (2026-12-01T07:00:00+08:00)
//	window_end    RFC 3339
//	ticket        the signed ticket token the site scans
//	url           the ticket page, which the card's QR code encodes
//	error         empty, or why the row got no ticket ("full")
//	students      "yes" for a household's students' ticket (the plan's
//	              students' period, after school), else empty; a file
//	              without the column holds no students' tickets
//
// Every row of a file shares its compound, date and zone: one file is
// one compound's round. A row with an error has no ticket and is not a
// card.
package ticketcsv

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"natq/planner/errs"
)

// Header is the format's columns in the order Write writes them.
var Header = []string{"compound", "date", "tz", "row", "number", "name", "building", "unit", "room", "party",
	"site", "site_name", "window_start", "window_end", "ticket", "url", "error", "students"}

// required are the columns Read cannot do without.
var required = []string{"compound", "date", "tz", "number", "building", "unit", "room", "party",
	"site", "window_start", "window_end", "ticket", "url"}

// Ticket is one row: a household's pre-booked ticket, or why it has none.
type Ticket struct {
	Compound, Date, TZ   string
	Row                  int
	Number               uint64 // the short number staff and residents read
	Name                 string
	Building, Unit, Room string
	Party                int
	Site, SiteName       string
	Start, End           time.Time
	Token                string // the signed ticket token
	URL                  string // what the card's QR code encodes
	Error                string // "" or why the row got no ticket
	Students             bool   // the household's students, in the students' period
}

// bad is a ticket file that cannot be read (errs.Invalid): it names the
// line and the column, in words a coordinator can act on.
func bad(format string, a ...any) error { return errs.Invalidf("tickets CSV: "+format, a...) }

// Encoding says, in Chinese and English, why data is not a CSV natq can
// read, or ok: it must be UTF-8 (a BOM is fine). Excel and WPS on Chinese
// Windows save "CSV" in GBK, and "Unicode text" in UTF-16: read as UTF-8
// they gave garbled names, or no such building, and a name printed on a
// card must be valid text.
func Encoding(data []byte) (zh, en string, ok bool) {
	if bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff}) {
		return "文件是 UTF-16（Excel 的“Unicode 文本”）：请另存为“CSV UTF-8（逗号分隔）”再提交",
			"the file is UTF-16 (Excel's Unicode text): save it as \"CSV UTF-8 (comma delimited)\" and send it again", false
	}
	if utf8.Valid(data) {
		return "", "", true
	}
	line := 1
	for len(data) > 0 {
		r, n := utf8.DecodeRune(data)
		if r == utf8.RuneError && n <= 1 {
			break
		}
		if r == '\n' {
			line++
		}
		data = data[n:]
	}
	return fmt.Sprintf("文件不是 UTF-8 编码（第 %d 行起；可能是 Excel 或 WPS 默认的 GBK）：请另存为“CSV UTF-8（逗号分隔）”再提交", line),
		fmt.Sprintf("the file is not UTF-8 (from line %d; GBK, as Excel and WPS save CSV on Chinese Windows?): save it as \"CSV UTF-8 (comma delimited)\" and send it again", line), false
}

// Write writes tickets with the header, times in each ticket's zone.
func Write(w io.Writer, ts []Ticket) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(Header); err != nil {
		return err
	}
	for _, t := range ts {
		loc, err := time.LoadLocation(t.TZ)
		if err != nil || t.TZ == "" {
			return fmt.Errorf("ticketcsv: ticket %d: zone %q: %v", t.Number, t.TZ, err)
		}
		when := func(x time.Time) string {
			if x.IsZero() {
				return ""
			}
			return x.In(loc).Format(time.RFC3339)
		}
		num := ""
		if t.Number > 0 {
			num = strconv.FormatUint(t.Number, 10)
		}
		if err := cw.Write([]string{t.Compound, t.Date, t.TZ, strconv.Itoa(t.Row), num, t.Name, t.Building, t.Unit, t.Room,
			strconv.Itoa(t.Party), t.Site, t.SiteName, when(t.Start), when(t.End), t.Token, t.URL, t.Error, yes(t.Students)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// yes is a students column's value.
func yes(b bool) string {
	if b {
		return "yes"
	}
	return ""
}

// Students reads a students column, written by hand or by Write: yes
// (yes, y, 1, true, 是, students, 学生, 学生专场) or empty (no, n, 0,
// false, 否); ok is false for anything else.
func Students(cell string) (yes, ok bool) {
	switch strings.ToLower(strings.TrimSpace(cell)) {
	case "", "no", "n", "0", "false", "否":
		return false, true
	case "yes", "y", "1", "true", "是", "students", "学生", "学生专场":
		return true, true
	}
	return false, false
}

// Read reads a ticket CSV and checks every row: its times parse and fall
// on the file's date in the file's zone, and every row is of one compound
// and one round.
func Read(r io.Reader) ([]Ticket, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, bad("%v", err)
	}
	if _, en, ok := Encoding(data); !ok {
		return nil, bad("%s", en)
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err == io.EOF {
		return nil, bad("the file is empty (want the header %s)", strings.Join(Header, ","))
	}
	if err != nil {
		return nil, bad("%v", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	for _, h := range required {
		if _, ok := col[h]; !ok {
			return nil, bad("no %q column (want the header %s, as the queue's pre-booking export writes it)", h, strings.Join(Header, ","))
		}
	}
	var out []Ticket
	var loc *time.Location
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, bad("%v", err)
		}
		get := func(h string) string {
			if i, ok := col[h]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if strings.Join(rec, "") == "" {
			continue
		}
		t := Ticket{Compound: get("compound"), Date: get("date"), TZ: get("tz"), Name: get("name"), Building: get("building"),
			Unit: get("unit"), Room: get("room"), Site: get("site"), SiteName: get("site_name"), Token: get("ticket"),
			URL: get("url"), Error: get("error")}
		at := func(format string, a ...any) error { return bad("line %d: %s", line, fmt.Sprintf(format, a...)) }
		if s := get("row"); s != "" {
			if t.Row, err = strconv.Atoi(s); err != nil {
				return nil, at("row %q is not a number", s)
			}
		}
		if t.Compound == "" {
			return nil, at("no compound")
		}
		if t.Building == "" {
			return nil, at("no building")
		}
		if len(out) > 0 {
			f := out[0]
			if t.Compound != f.Compound || t.Date != f.Date || t.TZ != f.TZ {
				return nil, at("compound %s on %s (%s), but line 2 is %s on %s (%s): one file holds one compound's round", t.Compound, t.Date, t.TZ, f.Compound, f.Date, f.TZ)
			}
		} else {
			if _, err := time.Parse("2006-01-02", t.Date); err != nil {
				return nil, at("date %q is not a date (YYYY-MM-DD)", t.Date)
			}
			if loc, err = time.LoadLocation(t.TZ); err != nil || t.TZ == "" || t.TZ == "Local" {
				return nil, at("tz %q is not an IANA time zone (like Asia/Shanghai)", t.TZ)
			}
		}
		var ok bool
		if t.Students, ok = Students(get("students")); !ok {
			return nil, at("students %q is neither yes nor empty", get("students"))
		}
		if s := get("party"); s != "" || t.Error == "" {
			if t.Party, err = strconv.Atoi(s); err != nil || t.Party < 1 {
				return nil, at("party %q is not a positive number", s)
			}
		}
		if t.Error != "" {
			out = append(out, t) // no ticket: nothing more to check
			continue
		}
		if t.Number, err = strconv.ParseUint(get("number"), 10, 64); err != nil || t.Number == 0 {
			return nil, at("number %q is not a ticket number", get("number"))
		}
		for _, c := range []struct {
			name string
			to   *time.Time
		}{{"window_start", &t.Start}, {"window_end", &t.End}} {
			v, err := time.Parse(time.RFC3339, get(c.name))
			if err != nil {
				return nil, at("%s %q is not an RFC 3339 time (like 2026-12-01T07:00:00+08:00)", c.name, get(c.name))
			}
			*c.to = v.In(loc)
			if d := c.to.Format("2006-01-02"); d != t.Date && !(c.name == "window_end" && c.to.Add(-time.Nanosecond).Format("2006-01-02") == t.Date) {
				return nil, at("%s %s is on %s in %s, not on the file's date %s", c.name, get(c.name), d, t.TZ, t.Date)
			}
		}
		if !t.End.After(t.Start) {
			return nil, at("window_end %s is not after window_start %s", get("window_end"), get("window_start"))
		}
		if t.Token == "" {
			return nil, at("no ticket token")
		}
		if t.URL == "" {
			return nil, at("no url for the QR code")
		}
		out = append(out, t)
	}
	return out, nil
}

// Tickets are the rows that hold a ticket, in file order.
func Tickets(ts []Ticket) []Ticket {
	var out []Ticket
	for _, t := range ts {
		if t.Error == "" {
			out = append(out, t)
		}
	}
	return out
}
