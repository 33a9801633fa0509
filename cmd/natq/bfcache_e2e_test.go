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
