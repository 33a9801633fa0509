package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestTicketPagesBackAndForth: a resident goes between the household's
// ticket and another page a few times, as the household's and the
// students' tickets lead to each other. A page left was kept with its two
// event streams open (the back/forward cache), and after three pages the
// browser held six streams to natq, the most it opens to one host: the
// next page never loaded. Now a hidden page's streams close, and a page
// shown again from the cache opens them and reads afresh: a check-in made
// while it was away shows, and so does one made after.
func TestTicketPagesBackAndForth(t *testing.T) {
	bd := startBrowserDemo(t)
	d := bd.d
	ctx := context.Background()
	m := bd.deskOf()
	a, _ := bd.bookRoom("1203", nil)
	b, _ := bd.bookRoom("1204", nil)
	ph := bd.tab("phone-back-and-forth", 390, 844, true)
	ph.beforeEachPage(`window.addEventListener('pageshow', e => { window.fromCache = e.persisted; });`)
	for i := 0; i < 5; i++ {
		for _, tk := range []string{a.Ticket, b.Ticket} {
			ph.run(fmt.Sprintf("page %d", i), chromedp.Navigate(bd.base+"/t/"+tk))
			ph.within(3*time.Second, "the ticket shown", `!document.getElementById('ticket').hidden && document.getElementById('ticket').getAttribute('data-state') === 'booked'`)
		}
	}
	// Back to 1203's page, from the cache where the browser keeps one;
	// 1203 was checked in while it was away.
	if _, err := d.svc.CheckIn(ctx, m, a.Site, a.Ticket); err != nil {
		t.Fatal(err)
	}
	var cached bool
	eval(ph, `(() => { history.back(); return true; })()`, &cached) // a restore from the cache fires no load event
	time.Sleep(500 * time.Millisecond)                              // the old page's context goes away
	// chromedp's Poll waits on a load that a page restored from the cache
	// does not make: the conditions are evaluated in a loop instead.
	holds := func(what, cond string) {
		t.Helper()
		for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			var ok bool
			eval(ph, cond, &ok)
			if ok {
				return
			}
			if time.Now().After(deadline) {
				var page string
				eval(ph, `document.body.innerText.slice(0, 300)`, &page)
				t.Fatalf("%s: not within 3s; page says:\n%s", what, page)
			}
		}
	}
	holds("1203's page, its check-in shown", `document.getElementById('thh').textContent.includes('1203') &&
		document.getElementById('ticket').getAttribute('data-state') === 'checked_in'`)
	eval(ph, `window.fromCache === true`, &cached)
	t.Logf("shown from the back/forward cache: %v", cached)
	// Live again: 1203 called.
	if _, err := d.svc.CallNext(ctx, m, a.Site, 1); err != nil {
		t.Fatal(err)
	}
	holds("called, live", `document.getElementById('ticket').getAttribute('data-state') === 'called'`)
}

// TestTicketPagesInManyTabs: a resident opens the ticket link again from
// a chat, and again: each time a new tab of the same browser, holding its
// page's two event streams. Three such tabs held six, the most a browser
// opens to one host, and a fourth page of natq never loaded. Now a page
// out of sight closes its streams (the browser says so with
// visibilitychange, simulated here as headless Chromium keeps every tab
// in sight), and one shown again opens them and reads afresh.
func TestTicketPagesInManyTabs(t *testing.T) {
	bd := startBrowserDemo(t)
	d := bd.d
	ctx := context.Background()
	m := bd.deskOf()
	var tabs []*tab
	var tickets []string
	for i, room := range []string{"1201", "1202", "1203", "1204"} {
		b, _ := bd.bookRoom(room, nil)
		tickets = append(tickets, b.Ticket)
		var tb *tab
		if i == 0 {
			tb = bd.tab("phone-tabs", 390, 844, true)
		} else {
			tb = tabs[0].sibling(fmt.Sprintf("phone-tabs-%d", i+1))
		}
		tabs = append(tabs, tb)
		tb.run("open "+room, chromedp.Navigate(bd.base+"/t/"+b.Ticket))
		tb.within(3*time.Second, room+"'s ticket", `document.getElementById('thh').textContent.includes('`+room+`')`)
		// The tab goes out of sight as the next one opens.
		if i < 3 {
			var ok bool
			eval(tb, `(() => { Object.defineProperty(document, 'hidden', {configurable: true, get: () => true});
				Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'hidden'});
				document.dispatchEvent(new Event('visibilitychange')); return true; })()`, &ok)
		}
	}
	// Back to the first tab: 1201 was checked in meanwhile, then is called.
	b0, err := d.svc.Ticket(ctx, tickets[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.svc.CheckIn(ctx, m, b0.Site, tickets[0]); err != nil {
		t.Fatal(err)
	}
	var ok bool
	eval(tabs[0], `(() => { Object.defineProperty(document, 'hidden', {configurable: true, get: () => false});
		Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'visible'});
		document.dispatchEvent(new Event('visibilitychange')); return true; })()`, &ok)
	tabs[0].within(3*time.Second, "the check-in shown", `document.getElementById('ticket').getAttribute('data-state') === 'checked_in'`)
	if _, err := d.svc.CallNext(ctx, m, b0.Site, 1); err != nil {
		t.Fatal(err)
	}
	tabs[0].within(3*time.Second, "called, live", `document.getElementById('ticket').getAttribute('data-state') === 'called'`)
}

// sibling opens another tab in tb's browser context: the same cookies,
// storage and connections, as a phone's browser has.
func (tb *tab) sibling(name string) *tab {
	t := tb.bd.t
	ctx, cancel := chromedp.NewContext(tb.ctx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("%s: opening the tab: %v", name, err)
	}
	return &tab{name: name, ctx: ctx, bd: tb.bd}
}
