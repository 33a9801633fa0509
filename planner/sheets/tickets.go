package sheets

import (
	"io"
)

// Ticket cards: eight to an A4 page, 2 across and 4 down, each 95 x 68 mm,
// touching so that one straight cut separates two.
const (
	cardW    = 95.0
	cardH    = 68.0
	cardCols = 2
	cardRows = 4
	perPage  = cardCols * cardRows

	// cardQR is every card's QR code, the same on all: 36 mm holds a
	// ticket URL of any length natq makes at over 0.5 mm a module.
	cardQR = 36.0
)

// TicketCards prints ticket cards for residents without phones, eight to a
// page with cut marks: building, unit, room, party, window and site in
// large type, and the ticket's QR code.
func TicketCards(w io.Writer, p *Plan, tickets []Ticket, f Format, opts Options) error {
	if err := CheckTickets(p, tickets); err != nil {
		return err
	}
	tickets = cards(tickets)
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
			if err := d.ticketCard(p, tickets[k], x, y, (row+col)%2 == 1); err != nil {
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

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
