package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"natq/queue"
)

// TestLostAnswerInBrowser: a resident books on a crowded cell; natq books
// the household, but the answer never reaches the phone (the page sees a
// network failure, as fetch does when the connection drops). She taps the
// button again on the same phone and gets her ticket: the phone's key,
// sent with both, is what the ticket kept of the phone that booked it.
// Before the key, she was told the household had booked, on the phone
// that had booked it. Found by a stranger's pass.
func TestLostAnswerInBrowser(t *testing.T) {
	bd := startBrowserDemo(t)
	d := bd.d
	ph := bd.tab("phone-lost-answer", 390, 844, true)
	ph.run("open", chromedp.Navigate(bd.base+d.residentPath(d.firstBuilding())), chromedp.WaitVisible("#book"))
	var ok bool
	// The first booking reaches natq; its answer is lost.
	eval(ph, `(() => { const f = window.fetch; let lost = false;
		window.fetch = function (url, o) {
			const p = f.apply(this, arguments);
			if (!lost && o && o.method === 'POST' && String(url).includes('/bookings')) {
				lost = true; return p.then(() => { throw new TypeError('Failed to fetch'); });
			}
			return p;
		}; return true; })()`, &ok)
	ph.run("book", chromedp.SetValue("#unit", "1"), chromedp.SendKeys("#room", "1502"), chromedp.Click("#plus"), chromedp.Click("#submit"))
	ph.within(3*time.Second, "told the network failed", `!document.getElementById('berr').hidden && document.getElementById('berr').textContent !== ''`)
	ph.run("book again", chromedp.Click("#submit"))
	ph.within(3*time.Second, "its ticket, for two", `document.querySelector('#ticket[data-state="booked"]') && !document.getElementById('ticket').hidden && document.getElementById('thh').textContent.includes('1502') && document.getElementById('thh').textContent.includes('2 人')`)
	// Another phone typing the same room is given nothing of it.
	other := bd.tab("phone-stranger", 390, 844, true)
	other.run("open", chromedp.Navigate(bd.base+d.residentPath(d.firstBuilding())), chromedp.WaitVisible("#book"))
	other.run("book the same room", chromedp.SetValue("#unit", "1"), chromedp.SendKeys("#room", "1502"), chromedp.Click("#submit"))
	other.within(3*time.Second, "told it has booked", `document.getElementById('berr').textContent.includes('这户已经预约过了') && document.getElementById('ticket').hidden`)
}

// TestNeighboursLinkInBrowser: a phone that booked its household opens
// another household's ticket link of the same building (a relative sends
// it: "is this right?"). It is shown, but the building's page goes on
// showing the phone's own ticket: before, the page filed the other ticket
// in its place when it read it again, and the phone's own was out of
// reach. Found by a stranger's pass.
func TestNeighboursLinkInBrowser(t *testing.T) {
	bd := startBrowserDemo(t)
	d := bd.d
	ph := bd.tab("phone-looks", 390, 844, true)
	ph.run("open", chromedp.Navigate(bd.base+d.residentPath(d.firstBuilding())), chromedp.WaitVisible("#book"))
	ph.run("book", chromedp.SetValue("#unit", "1"), chromedp.SendKeys("#room", "1502"), chromedp.Click("#submit"))
	ph.within(3*time.Second, "own ticket", `document.querySelector('#ticket[data-state="booked"]') && document.getElementById('thh').textContent.includes('1502')`)
	other, _ := bd.bookRoom("1503", nil)
	ph.run("the neighbour's link", chromedp.Navigate(bd.base+"/t/"+other.Ticket))
	ph.within(3*time.Second, "shown", `document.getElementById('thh').textContent.includes('1503')`)
	// The page reads its ticket again on its events (and every 20 s): a
	// read is what filed it before. The neighbour's party changes.
	changeUntilRead(t, ph, other.Ticket)
	var own string
	eval(ph, `localStorage.getItem('natq.ticket.' + `+jsq(d.plan.Compound.ID+"."+d.firstBuilding())+`) || ''`, &own)
	if own == other.Ticket {
		t.Errorf("the phone filed the neighbour's ticket as its own")
	}
	ph.run("back to the building's page", chromedp.Navigate(bd.base+d.residentPath(d.firstBuilding())), chromedp.WaitVisible("#ticket"))
	var shown string
	eval(ph, `document.getElementById('thh').textContent`, &shown)
	if !strings.Contains(shown, "1502") {
		t.Errorf("after looking at 1503's link, the phone's building page shows %q; want its own 1502 ticket", shown)
	}
}

// TestPartyRefusedInBrowser: a party change its window has no room for is
// refused beside the card's button, in sight on a small phone, with the
// stepper back at the ticket's party. Before, the refusal went to the
// notice at the top of the page, scrolled out of sight, and the card
// still offered the change. Found by a stranger's pass.
func TestPartyRefusedInBrowser(t *testing.T) {
	bd := startBrowserDemo(t)
	d := bd.d
	b := d.firstBuilding()
	ph := bd.tab("phone-party-full", 360, 640, true)
	ph.run("open", chromedp.Navigate(bd.base+d.residentPath(b)), chromedp.WaitVisible("#book"))
	ph.run("book", chromedp.SetValue("#unit", "1"), chromedp.SendKeys("#room", "1801"), chromedp.Click("#submit"))
	ph.within(3*time.Second, "ticket", `document.querySelector('#ticket[data-state="booked"]') && document.getElementById('thh').textContent.includes('1801')`)
	tok := ""
	eval(ph, `decodeURIComponent(document.getElementById('tqr').getAttribute('src').slice(4, -4))`, &tok)
	tk, err := d.svc.Ticket(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	// The ticket's window fills (others of its unit book until it is full).
	for f := 1; f <= 17; f++ {
		for door := 1; door <= 99; door++ {
			bk, _, err := d.svc.Book(context.Background(), d.plan.Compound.ID, queue.Household{Building: b, Unit: "1", Room: fmt.Sprintf("%d%02d", f, door), Party: 1})
			if err != nil || !bk.Window.Start.Equal(tk.Window.Start) {
				goto full
			}
		}
	}
full:
	ph.run("ask for two", chromedp.Click("#tpartybox summary"), chromedp.Click("#tplus"), chromedp.Click("#tpartysave"))
	ph.within(3*time.Second, "refused beside the button, in sight", `(() => { const e = document.getElementById('tpartyerr'), r = e.getBoundingClientRect();
		return !e.hidden && e.textContent.includes('没有多余名额') && r.top >= 0 && r.bottom <= innerHeight &&
			document.getElementById('tparty').textContent === '1' && document.getElementById('tpartysave').disabled; })()`)
	ph.shot("held-360x640-party-refused")
	if tk, _ := d.svc.Ticket(context.Background(), tok); tk.Party != 1 {
		t.Errorf("the ticket's party = %d after a refused change, want 1", tk.Party)
	}
}

// TestLinkOnFreshPhoneInBrowser: a phone that has booked nothing opens a
// neighbour's ticket link. Its building's page then offers the booking
// form for the phone's own household, not the neighbour's ticket (with
// its cancel button): a ticket is the phone's only when it booked it.
// Found by a stranger's pass.
func TestLinkOnFreshPhoneInBrowser(t *testing.T) {
	bd := startBrowserDemo(t)
	d := bd.d
	other, _ := bd.bookRoom("1503", nil)
	ph := bd.tab("phone-link-first", 390, 844, true)
	ph.run("the neighbour's link", chromedp.Navigate(bd.base+"/t/"+other.Ticket), chromedp.WaitVisible("#ticket"))
	ph.within(3*time.Second, "shown", `document.getElementById('thh').textContent.includes('1503')`)
	changeUntilRead(t, ph, other.Ticket)
	ph.run("its own building's page", chromedp.Navigate(bd.base+d.residentPath(d.firstBuilding())), chromedp.WaitVisible("#book"))
	var shown bool
	eval(ph, `!document.getElementById('ticket').hidden`, &shown)
	if shown {
		t.Errorf("a phone that only looked at 1503's link opens its building's page on a ticket, not the booking form")
	}
}

// changeUntilRead changes the party of the ticket tok names until the
// page in ph (its ticket reads counted from now) has read it again after
// one of the changes' events: the page opens its ticket's
// stream after it shows the ticket, and an event before that is not heard.
func changeUntilRead(t *testing.T, ph *tab, tok string) {
	t.Helper()
	var ok bool
	eval(ph, `(() => { const f = window.fetch; window.reads = 0;
		window.fetch = function (url, o) { if ((!o || !o.method || o.method === 'GET') && String(url).includes('/api/v1/tickets/')) window.reads++; return f.apply(this, arguments); };
		return true; })()`, &ok)
	for party := 2; party <= 6; party++ {
		if _, err := ph.bd.d.svc.ChangeParty(context.Background(), tok, party); err != nil {
			t.Fatal(err)
		}
		var read bool
		for i := 0; i < 10 && !read; i++ {
			time.Sleep(100 * time.Millisecond)
			eval(ph, `window.reads > 0`, &read)
		}
		if read {
			return
		}
	}
	t.Fatalf("%s: the page never read its ticket again after five changes", ph.name)
}
