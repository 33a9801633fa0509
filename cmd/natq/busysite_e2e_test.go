package main

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"natq/queue"
)

// reread is resident.js's REREAD: the least time between two reads of a
// ticket that its site's events ask for.
const reread = 5 * time.Second

// TestBusySiteInBrowser: a busy site's desk calls and samples the line's
// first parties one after the other, a change every 300 ms. The phone of
// the last party in line reads its ticket again for its people ahead, but
// not at every change: at most once every five seconds (resident.js's
// REREAD), where it used to read at each one, so that every phone in a
// long line and booked at the site read at every change of the site. Its
// people ahead still end as the service's. A phone booked at the site
// follows the site's line from the events alone: its reads are held
// unanswered, and its people ahead still follow every sample. The site's
// tablet lists the line's first parties (the service's LineShown, 4 here)
// and counts the rest.
func TestBusySiteInBrowser(t *testing.T) {
	bd := startBrowserDemo(t, func(c *demoConfig) { c.lineShown = 4 })
	d := bd.d
	ctx := context.Background()
	building := d.firstBuilding()
	m, err := d.svc.Authenticate(ctx, d.marshal)
	if err != nil {
		t.Fatal(err)
	}
	var in []*queue.TicketView
	var booked *queue.Booking
	for _, unit := range []string{"1", "2"} {
		for _, room := range []string{"101", "102", "103", "104", "201", "202", "203", "204"} {
			b, _, err := d.svc.Book(ctx, d.plan.Compound.ID, queue.Household{Building: building, Unit: unit, Room: room, Party: 1})
			if err != nil {
				t.Fatalf("Book(%s-%s): %v", unit, room, err)
			}
			if len(in) >= 9 {
				if booked == nil {
					booked = b
				}
				continue
			}
			tv, err := d.svc.CheckIn(ctx, m, b.Site, b.Ticket)
			if errors.Is(err, queue.ErrTooEarly) {
				if booked == nil {
					booked = b
				}
				continue
			}
			if err != nil {
				t.Fatalf("CheckIn(%s-%s): %v", unit, room, err)
			}
			in = append(in, tv)
		}
	}
	if len(in) < 9 || booked == nil {
		t.Fatalf("%d households checked in and booked %v: want 9 in line and one booked", len(in), booked)
	}
	last, site := in[len(in)-1], in[len(in)-1].Site
	if booked.Site != site {
		t.Fatalf("the booked household's site %s, the line's %s: want one site", booked.Site, site)
	}

	// Each phone counts its reads of its ticket from here on; the booked
	// one's are never answered.
	count := `(() => { window.reads = 0; const f = window.fetch; window.fetch = (u, o) => {
		if (/\/api\/v1\/tickets\/[^/?]+$/.test(String(u))) { window.reads++; if (window.holdReads) return new Promise(() => {}); }
		return f(u, o); }; return true; })()`
	phone := bd.tab("phone-in-line", 360, 640, true)
	phone.run("open the last ticket in line", chromedp.Navigate(last.URL), chromedp.WaitVisible("#ticket"))
	phone.within(3*time.Second, "in line", `document.querySelector('#ticket[data-state="checked_in"]') !== null && document.getElementById('tahead').dataset.ahead === `+jsq(fmt.Sprint(last.Ahead)))
	var ok bool
	eval(phone, count, &ok)
	waiting := bd.tab("phone-booked", 360, 640, true)
	waiting.run("open the booked ticket", chromedp.Navigate(booked.URL), chromedp.WaitVisible("#ticket"))
	waiting.within(3*time.Second, "booked", `document.querySelector('#ticket[data-state="booked"]') !== null`)
	eval(waiting, `window.holdReads = true`, &ok)
	eval(waiting, count, &ok)
	tablet := bd.tab("tablet", 1024, 768, false)
	tablet.staffAt(d.staff, site)
	more := fmt.Sprintf("后面还有 %d 户在排队", len(in)-4)
	tablet.within(3*time.Second, "the line's first four listed, the rest counted",
		`document.querySelectorAll('#linerows tr:not(.more)').length === 4 && document.querySelector('#linerows tr.more').textContent === `+jsq(more)+` && document.getElementById('lineempty').hidden`)
	tablet.shot("busy-site-1024x768-line")
	// Both phones have their streams open before the first change.
	time.Sleep(500 * time.Millisecond)

	start := time.Now()
	changes := 0
	for i := 0; i < 6; i++ {
		called, err := d.svc.CallNext(ctx, m, site, 1)
		if err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
		changes++
		time.Sleep(300 * time.Millisecond)
		if _, err := d.svc.Sampled(ctx, m, called.Ticket, ""); err != nil {
			t.Fatalf("sampled %d: %v", i+1, err)
		}
		changes++
		time.Sleep(300 * time.Millisecond)
	}
	want, err := d.svc.Ticket(ctx, last.Ticket)
	if err != nil {
		t.Fatal(err)
	}
	if want.Ahead >= last.Ahead {
		t.Fatalf("people ahead of the last in line %d after six calls, %d before: want fewer", want.Ahead, last.Ahead)
	}
	phone.within(reread+3*time.Second, "the phone's people ahead, as the service's", `document.getElementById('tahead').dataset.ahead === `+jsq(fmt.Sprint(want.Ahead)))
	var reads int
	eval(phone, `window.reads`, &reads)
	// A read every REREAD, the first of them at once, and the page's
	// quiet check every 20 s.
	elapsed := time.Since(start)
	if most := int(elapsed/reread) + int(elapsed/(20*time.Second)) + 1; reads > most || reads >= changes {
		t.Errorf("the phone in line read its ticket %d times for %d changes of its site in %v: want at most %d", reads, changes, elapsed.Round(time.Millisecond), most)
	}
	t.Logf("the phone in line read its ticket %d times for %d changes of its site in %v", reads, changes, elapsed.Round(time.Millisecond))

	wb, err := d.svc.Ticket(ctx, booked.Ticket)
	if err != nil {
		t.Fatal(err)
	}
	waiting.within(time.Second, "the booked phone's people ahead, its site's line, from the events", `document.getElementById('tahead').dataset.ahead === `+jsq(fmt.Sprint(wb.Ahead)))
	tablet.within(3*time.Second, "three left, all listed", `document.querySelectorAll('#linerows tr').length === 3 && !document.querySelector('#linerows tr.more')`)
	phone.shot("busy-site-360x640-in-line")
	waiting.shot("busy-site-360x640-booked")
}
