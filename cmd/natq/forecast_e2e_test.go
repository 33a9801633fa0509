package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"natq/queue"
)

// TestForecastInBrowser: a morning's line at the first building's site,
// households of two checked in; the tablet shows each party's forecast
// turn, when the line should be through and how that is computed; the
// last one's phone (360x640) shows "your turn at about" beside the QR,
// still above the fold. The desk calls and samples the first party: the
// forecast on both moves (the line is shorter, the pace measured on two
// people) and is the service's. The tablet also shows the plan's
// simulated line at the site.
func TestForecastInBrowser(t *testing.T) {
	bd := startBrowserDemo(t)
	d := bd.d
	ctx := context.Background()
	building := d.firstBuilding()
	m, err := d.svc.Authenticate(ctx, d.marshal)
	if err != nil {
		t.Fatal(err)
	}
	var in []*queue.TicketView
	for _, room := range []string{"101", "102", "103", "104", "201", "202", "203", "204"} {
		b, _, err := d.svc.Book(ctx, d.plan.Compound.ID, queue.Household{Building: building, Unit: "1", Room: room, Party: 2})
		if err != nil {
			t.Fatalf("Book(%s): %v", room, err)
		}
		tv, err := d.svc.CheckIn(ctx, m, b.Site, b.Ticket)
		if errors.Is(err, queue.ErrTooEarly) {
			continue // booked into a later window
		}
		if err != nil {
			t.Fatalf("CheckIn(%s): %v", room, err)
		}
		in = append(in, tv)
	}
	if len(in) < 4 {
		t.Fatalf("%d households checked in, want at least 4 for a line", len(in))
	}
	last := in[len(in)-1]
	site := last.Site

	phone := bd.tab("phone", 360, 640, true)
	phone.run("open the ticket", chromedp.Navigate(last.URL), chromedp.WaitVisible("#ticket"))
	phone.within(3*time.Second, "forecast shown", `!document.getElementById('tturn').hidden && document.getElementById('tturn').getAttribute('data-at') !== '' && !document.getElementById('tmethod').hidden`)
	turnAt := func() string {
		var s string
		eval(phone, `document.getElementById('tturn').getAttribute('data-at')`, &s)
		return s
	}
	before := turnAt()
	if tk, err := d.svc.Ticket(ctx, last.Ticket); err != nil || tk.Forecast == nil || tk.Forecast.At.Format(time.RFC3339) != before {
		t.Errorf("phone's turn %s, the service's %+v (%v)", before, tk.Forecast, err)
	} else if want := "约 " + tk.Forecast.At.Format("15:04"); !strings.HasPrefix(jsText(phone, "#tturn"), want) {
		t.Errorf("phone says %q, want it to start %q", jsText(phone, "#tturn"), want)
	}
	if txt := jsText(phone, "#tmethod"); !strings.Contains(txt, "采样台") || strings.Contains(txt, "desks") {
		t.Errorf("phone's method line %q, want the Chinese half", txt)
	}
	aboveFold := func(lang string) {
		t.Helper()
		var fold struct{ Turn, QR float64 }
		eval(phone, `(() => { const r = id => document.getElementById(id).getBoundingClientRect().bottom; return {Turn: r('tturn'), QR: r('tqr')}; })()`, &fold)
		if fold.Turn <= 0 || fold.Turn > 640 || fold.QR <= 0 || fold.QR > 640 {
			t.Errorf("360x640 phone in %s: the turn ends at y=%.0f and the QR at y=%.0f, want both above the fold (640)", lang, fold.Turn, fold.QR)
		}
	}
	aboveFold("Chinese")
	phone.shot("forecast-360x640-1-in-line")

	tablet := bd.tab("tablet", 1024, 768, false)
	tablet.staffAt(d.staff, site)
	rows := fmt.Sprint(len(in))
	tablet.within(3*time.Second, "every party's turn listed", `document.querySelectorAll('#linerows tr').length === `+rows+` && [...document.querySelectorAll('#linerows td.turn')].every(td => /^约 \d\d:\d\d$/.test(td.textContent)) && !document.getElementById('forecast').hidden`)
	clears := func() string {
		var s string
		eval(tablet, `document.getElementById('fcsum').getAttribute('data-clears')`, &s)
		return s
	}
	clears0 := clears()
	if txt := jsText(tablet, "#fcsum"); !strings.Contains(txt, "今天实测 0 人") {
		t.Errorf("tablet's forecast %q, want it measured on nobody yet", txt)
	}
	if txt := jsText(tablet, "#fcmethod"); !strings.Contains(txt, "采样台") {
		t.Errorf("tablet's method line %q", txt)
	}
	var lastTurn string
	eval(tablet, `[...document.querySelectorAll('#linerows tr')].pop().querySelector('td.turn').textContent`, &lastTurn)
	if want := "约 " + before[11:16]; lastTurn != want {
		t.Errorf("tablet's last row turn %q, the phone's %s: want %q", lastTurn, before, want)
	}
	tablet.shot("forecast-1024x768-1-line")

	// Desk 1 calls the first party and samples it.
	tablet.click("call", "#call")
	tablet.within(3*time.Second, "called", `document.getElementById('result').classList.contains('ok') && !document.getElementById('sampledBtn').disabled`)
	tablet.click("sampled", "#sampledBtn")
	tablet.within(3*time.Second, "the line one shorter, its forecast measured on the two sampled",
		`document.querySelectorAll('#linerows tr').length === `+fmt.Sprint(len(in)-1)+` && document.getElementById('fcsum').textContent.includes('今天实测 2 人')`)
	// A phone reads its ticket for its site's changes at most once every
	// REREAD (resident.js; TestBusySiteInBrowser).
	phone.within(reread+3*time.Second, "the phone's turn moved", `document.getElementById('tturn').getAttribute('data-at') !== `+jsq(before))
	after := turnAt()
	if tk, err := d.svc.Ticket(ctx, last.Ticket); err != nil || tk.Forecast == nil || tk.Forecast.At.Format(time.RFC3339) != after {
		t.Errorf("phone's turn after the sample %s, the service's %+v (%v)", after, tk.Forecast, err)
	}
	if c := clears(); c == clears0 {
		t.Errorf("the tablet's line-through time %s did not move after the sample", c)
	}
	t.Logf("the last party's turn: %s before the sample, %s after", before, after)

	// The plan's simulated line at the site, opened on the tablet.
	tablet.run("open the plan's chart", chromedp.Click("#simbox summary"))
	tablet.within(10*time.Second, "the chart drawn", `(i => !i.hidden && i.complete && i.naturalWidth > 0)(document.getElementById('simimg'))`)
	if txt := jsText(tablet, "#simnote"); !strings.Contains(txt, "红线是一米线的容量") {
		t.Errorf("the chart's note %q", txt)
	}
	phone.shot("forecast-360x640-2-after-sample")
	tablet.shot("forecast-1024x768-2-after-sample")

	phone.run("English", chromedp.Click("#lang"))
	phone.within(time.Second, "English forecast", `/^about \d\d:\d\d/.test(document.getElementById('tturn').textContent) && document.getElementById('tmethod').textContent.startsWith('from the people ahead')`)
	aboveFold("English")
	phone.shot("forecast-360x640-3-english")
}
