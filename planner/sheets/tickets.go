package sheets

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Ticket is one pre-booked household's ticket, as the queue service's
// pre-booking writes it (CSV header
// building,unit,room,party,ticket,site,window_start,window_end,url).
type Ticket struct {
	Building, Unit, Room string
	Party                int
	Ticket               string // the signed token
	Site                 string
	Start, End           time.Time
	URL                  string // what the card's QR code encodes
}

var ticketHeader = []string{"building", "unit", "room", "party", "ticket", "site", "window_start", "window_end", "url"}

// ReadTickets reads the queue service's pre-booking CSV. Columns are found
// by the header's names, so added columns do no harm.
func ReadTickets(r io.Reader) ([]Ticket, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err == io.EOF {
		return nil, badInput("tickets CSV is empty (want header %s)", strings.Join(ticketHeader, ","))
	}
	if err != nil {
		return nil, badInput("tickets CSV: %v", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	for _, h := range ticketHeader {
		if _, ok := col[h]; !ok {
			return nil, badInput("tickets CSV: no %q column (want header %s)", h, strings.Join(ticketHeader, ","))
		}
	}
	var out []Ticket
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, badInput("tickets CSV: %v", err)
		}
		get := func(h string) string {
			if i := col[h]; i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		t := Ticket{Building: get("building"), Unit: get("unit"), Room: get("room"), Ticket: get("ticket"), Site: get("site"), URL: get("url")}
		if t.Party, err = strconv.Atoi(get("party")); err != nil || t.Party < 1 {
			return nil, badInput("tickets CSV line %d: party %q is not a positive number", line, get("party"))
		}
		if t.Start, err = time.Parse(time.RFC3339, get("window_start")); err != nil {
			return nil, badInput("tickets CSV line %d: window_start %q is not an RFC 3339 time", line, get("window_start"))
		}
		if t.End, err = time.Parse(time.RFC3339, get("window_end")); err != nil {
			return nil, badInput("tickets CSV line %d: window_end %q is not an RFC 3339 time", line, get("window_end"))
		}
		if t.URL == "" {
			return nil, badInput("tickets CSV line %d: no url for the QR code", line)
		}
		if t.Building == "" {
			return nil, badInput("tickets CSV line %d: no building", line)
		}
		out = append(out, t)
	}
	return out, nil
}

// Ticket cards: eight to an A4 page, 2 across and 4 down, each 95 x 68 mm,
// touching so that one straight cut separates two.
const (
	cardW    = 95.0
	cardH    = 68.0
	cardCols = 2
	cardRows = 4
	perPage  = cardCols * cardRows

	qrSizeAlt = 33.0
)

// TicketCards prints ticket cards for residents without phones, eight to a
// page with cut marks: building, unit, room, party, window and site in
// large type, and the ticket's QR code.
func TicketCards(w io.Writer, p *Plan, tickets []Ticket, f Format, opts Options) error {
	if len(tickets) == 0 {
		return badInput("no tickets to print")
	}
	fonts, err := opts.fonts()
	if err != nil {
		return err
	}
	pages := (len(tickets) + perPage - 1) / perPage
	d := newDoc(w, f, fonts, a4W, a4H, pages)
	x0 := (a4W - cardCols*cardW) / 2
	y0 := (a4H - cardRows*cardH) / 2
	for pg := 0; pg < pages; pg++ {
		d.page()
		d.cutMarks(x0, y0)
		for i := 0; i < perPage; i++ {
			k := pg*perPage + i
			if k >= len(tickets) {
				break
			}
			col, row := i%cardCols, i/cardCols
			x := x0 + float64(col)*cardW
			y := y0 + float64(cardRows-1-row)*cardH
			if err := d.ticketCard(p, tickets[k], x, y, col, row); err != nil {
				return err
			}
		}
	}
	return d.close()
}

// cutMarks draws ticks in the margins on every cut line and small crosses
// where cuts meet inside the sheet.
func (d *doc) cutMarks(x0, y0 float64) {
	d.class("cut")
	d.stroke(black, 0.25)
	x1, y1 := x0+cardCols*cardW, y0+cardRows*cardH
	for c := 0; c <= cardCols; c++ {
		x := x0 + float64(c)*cardW
		d.line(x, y0-2, x, y0-8)
		d.line(x, y1+2, x, y1+8)
	}
	for r := 0; r <= cardRows; r++ {
		y := y0 + float64(r)*cardH
		d.line(x0-2, y, x0-8, y)
		d.line(x1+2, y, x1+8, y)
	}
	for c := 1; c < cardCols; c++ {
		for r := 1; r < cardRows; r++ {
			x, y := x0+float64(c)*cardW, y0+float64(r)*cardH
			d.line(x-2, y, x+2, y)
			d.line(x, y-2, x, y+2)
		}
	}
	d.class()
}

func (d *doc) ticketCard(p *Plan, t Ticket, x, y float64, col, row int) error {
	const pad = 4.0
	top := y + cardH - pad
	name := t.Building
	if p != nil {
		if b := p.Building(t.Building); b != nil {
			name = b.Label()
		}
	}
	compound := "核酸检测 Testing ticket"
	if p != nil && p.Compound.Name != "" {
		compound = p.Compound.Name + "  ·  " + compound
	}
	d.textAt(x+pad, top, 7, compound, black, 0, 1)

	where := name
	if t.Unit != "" {
		where += " " + t.Unit + "单元"
	}
	if t.Room != "" {
		where += " " + t.Room + "室"
	}
	d.textAt(x+pad, top-5, d.fitSize(22, cardW-2*pad, where), where, black, 0, 1)
	en := "Unit " + t.Unit + ", Room " + t.Room
	d.textAt(x+pad, top-15, 8, en, black, 0, 1)

	qrSize := 40.0
	size := qrSize
	if (row+col)%2 == 1 {
		size = qrSizeAlt
	}
	qrX := x + cardW - pad - qrSize + 2 + (qrSize-size)/2
	qrY := y + pad - 2 + (qrSize-size)/2
	if err := d.qr(qrX, qrY, size, t.URL); err != nil {
		return err
	}
	leftW := cardW - 2*pad - qrSize + 1
	start, end := p.Local(t.Start), p.Local(t.End)
	d.textAt(x+pad, top-21, 7, "时间 Time  "+start.Format("01-02"), black, 0, 1)
	when := start.Format("15:04") + "–" + end.Format("15:04")
	d.textAt(x+pad, top-25, d.fitSize(20, leftW, when), when, black, 0, 1)
	site := t.Site
	if p != nil {
		site = p.SiteName(t.Site)
	}
	d.textAt(x+pad, top-34, 7, "地点 Site", black, 0, 1)
	d.textAt(x+pad, top-38, d.fitSize(13, leftW, site), site, black, 0, 1)
	party := fmt.Sprintf("%d 人 %s", t.Party, plural(t.Party, "person", "people"))
	d.textAt(x+pad, top-45.5, d.fitSize(13, leftW, party), party, black, 0, 1)
	tk := t.Ticket
	if len(tk) > 18 {
		tk = tk[:18] + "…"
	}
	d.textAt(x+pad, y+pad-1, 6, "票号 "+tk, grey, 0, 0)
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
