package sheets

import (
	"fmt"
	"strconv"
)

// ticketCard draws one card with its bottom left at (x, y): who (the
// whole household), when and where in large type for an elderly reader,
// the ticket's short number as the site's tablet shows it, and the
// ticket's QR code, the same size on every card.
func (d *doc) ticketCard(p *Plan, t Ticket, x, y float64, turned bool) error {
	const pad = 4.0
	top := y + cardH - pad
	full := cardW - 2*pad

	// Head: the compound, and the ticket number at the right.
	num := "票 " + strconv.FormatUint(t.Number, 10)
	nb := d.textAt(x+cardW-pad, top+0.6, 16, num, black, 1, 1)
	head := "核酸检测 Testing ticket"
	if p.Compound.Name != "" {
		head = p.Compound.Name + " · " + head
	}
	headW := nb.X0 - (x + pad) - 2
	d.textAt(x+pad, top, d.fitSize(7, headW, head), head, black, 0, 1)
	d.textAt(x+pad, top-3.4, 6, "Ticket No. "+strconv.FormatUint(t.Number, 10), grey, 0, 1)

	// The household: building, then unit, room and name.
	building := t.Building
	if b := p.Building(t.Building); b != nil {
		building = b.Label()
	}
	d.textAt(x+pad, top-7.5, d.fitSize(18, full, building), building, black, 0, 1)
	home := ""
	if t.Unit != "" {
		home = t.Unit + "单元 "
	}
	home += t.Room + "室"
	if t.Name != "" {
		home += "  " + t.Name
	}
	d.textAt(x+pad, top-15.5, d.fitSize(16, full, home), home, black, 0, 1)

	// Below, left of the QR code: when, where, how many.
	left := full - cardQR - 2
	start, end := p.Local(t.Start), p.Local(t.End)
	day := "时间 Time  " + start.Format("1月2日 Jan 2")
	if t.Students {
		// The students' ticket of a household that also has one for the
		// rest: the card says whose it is.
		day += " · 学生专场 Students"
	}
	d.textAt(x+pad, top-23.5, d.fitSize(7, left, day), day, black, 0, 1)
	when := start.Format("15:04") + "–" + end.Format("15:04")
	d.textAt(x+pad, top-26.5, d.fitSize(22, left, when), when, black, 0, 1)
	site := t.SiteName
	if site == "" {
		site = p.SiteName(t.Site)
	}
	d.textAt(x+pad, top-36, 7, "地点 Site", black, 0, 1)
	d.textAt(x+pad, top-39, d.fitSize(14, left, site), site, black, 0, 1)
	party := fmt.Sprintf("%d 人 %s", t.Party, plural(t.Party, "person", "people"))
	d.textAt(x+pad, top-46, d.fitSize(12, left, party), party, black, 0, 1)
	en := "Room " + t.Room
	if t.Unit != "" {
		en = "Unit " + t.Unit + ", " + en
	}
	d.textAt(x+pad, y+pad+3, d.fitSize(7, left, en), en, black, 0, 0)
	d.textAt(x+pad, y+pad, d.fitSize(6, left, "到采样点出示此码 Show this code at the site"), "到采样点出示此码 Show this code at the site", grey, 0, 0)

	// Neighbouring cards' codes are turned a quarter, in a checkerboard:
	// zbar reading a whole page pairs the finder patterns of codes of one
	// size that line up across cards, and missed about one in thirty at
	// 300 dpi; turned, the finder patterns no longer line up, and a code
	// reads the same at any turn.
	if turned {
		d.qrTurns = 1
		defer func() { d.qrTurns = 0 }()
	}
	return d.qr(x+cardW-pad-cardQR+1.5, y+pad-1.5, cardQR, t.URL)
}
