package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestDeskTypesTicketNumber: in the rain a resident's phone screen will
// not scan. The marshal types the number the phone shows (票 N, as the
// card prints it) into the scan box; the tablet says whose ticket it is
// and waits. Told it is not them, nothing happens; typed again and
// confirmed, the ticket is checked in and joins the line. A number of no
// ticket says so. Before, a typed number was refused as a forged ticket.
func TestDeskTypesTicketNumber(t *testing.T) {
	bd := startBrowserDemo(t)
	d := bd.d
	b, _ := bd.bookRoom("1203", nil)
	tablet := bd.tab("tablet-byno", 1024, 768, false)
	tablet.staffAt(d.marshal, b.Site)
	typed := fmt.Sprintf("票 %d", b.ID)
	tablet.run("type the ticket's number", chromedp.Click("#scan"), chromedp.SendKeys("#scan", typed+kb.Enter))
	asked := `!document.getElementById('byno').hidden && document.getElementById('bynomsg').textContent.includes('票 ` + fmt.Sprint(b.ID) + ` ') &&
		document.getElementById('bynomsg').textContent.includes('1 单元 1203 室')`
	tablet.within(3*time.Second, "asked to check the household", asked)
	tablet.shot("byno-1024x768-asked")
	tablet.click("not them", "#bynoNo")
	tablet.within(3*time.Second, "not checked in", `document.getElementById('byno').hidden && document.getElementById('result').textContent === '未签到。'`)
	if tv, err := d.svc.Ticket(context.Background(), b.Ticket); err != nil || tv.State != "booked" {
		t.Fatalf("the ticket after 'not them' = %+v, %v; want still booked", tv, err)
	}
	tablet.run("type it again, full-width", chromedp.Click("#scan"), chromedp.SendKeys("#scan", fmt.Sprintf("No.%s", fullWidth(fmt.Sprint(b.ID)))+kb.Enter))
	tablet.within(3*time.Second, "asked again", asked)
	tablet.click("that is them", "#bynoYes")
	tablet.within(3*time.Second, "checked in", `document.getElementById('byno').hidden && document.getElementById('result').classList.contains('ok') &&
		document.getElementById('result').textContent.includes('1203')`)
	if tv, err := d.svc.Ticket(context.Background(), b.Ticket); err != nil || tv.State != "checked_in" {
		t.Fatalf("the ticket after 'that is them' = %+v, %v; want checked in", tv, err)
	}
	tablet.within(3*time.Second, "in the line's list", `[...document.querySelectorAll('#line tr, #line li, table tr')].some(r => r.textContent.includes('1203'))`)
	tablet.run("a number of no ticket", chromedp.Click("#scan"), chromedp.SendKeys("#scan", "99999"+kb.Enter))
	tablet.within(3*time.Second, "told no such ticket", `document.getElementById('result').classList.contains('bad') && document.getElementById('result').textContent.includes('找不到票号 99999')`)
	tablet.noDialogs()
}

// fullWidth writes ASCII digits as a Chinese keyboard's full-width ones.
func fullWidth(s string) string {
	out := []rune{}
	for _, r := range s {
		out = append(out, r-'0'+'０')
	}
	return string(out)
}

// TestDeskHouseholdWithoutTicket: residents at the desk with no code at
// all. One who booked, saying the room as 1203室, is found with their
// ticket and checked in once the marshal confirms; one who never booked
// is given a ticket on paper; a room the building cannot have says what
// a room number is. Before, the tablet had no way to find either.
func TestDeskHouseholdWithoutTicket(t *testing.T) {
	bd := startBrowserDemo(t)
	d := bd.d
	b, _ := bd.bookRoom("1203", nil)
	tablet := bd.tab("tablet-household", 1024, 768, false)
	tablet.staffAt(d.marshal, b.Site)
	first := d.firstBuilding()
	tablet.run("open the household form", chromedp.Click("#hhbox summary"), chromedp.WaitVisible("#hhr"))
	var served bool
	eval(tablet, `document.getElementById('hhb').value === '`+first+`' && !document.getElementById('hhul').hidden`, &served)
	if !served {
		t.Errorf("the household form does not start at %s, a building of this site, with its units", first)
	}
	pick := func(room, party string) {
		var ok bool
		eval(tablet, `(() => { const b = document.getElementById('hhb'); b.value = '`+first+`'; b.dispatchEvent(new Event('change'));
			document.getElementById('hhu').value = '1'; document.getElementById('hhp').value = '`+party+`'; return true; })()`, &ok)
		tablet.run("the room", chromedp.SetValue("#hhr", room), chromedp.Click("#hhgo"))
	}
	pick("1203室", "1")
	tablet.within(3*time.Second, "found, and asked", `!document.getElementById('byno').hidden && document.getElementById('bynomsg').textContent.startsWith('已有预约：') &&
		document.getElementById('bynomsg').textContent.includes('1 单元 1203 室') && document.getElementById('bynoqrbox').hidden`)
	tablet.shot("household-1024x768-found")
	tablet.click("that is them", "#bynoYes")
	tablet.within(3*time.Second, "checked in", `document.getElementById('result').classList.contains('ok') && document.getElementById('result').textContent.includes('1203')`)
	if tv, err := d.svc.Ticket(context.Background(), b.Ticket); err != nil || tv.State != "checked_in" {
		t.Fatalf("the found ticket = %+v, %v; want checked in", tv, err)
	}
	pick("1204", "2")
	tablet.within(3*time.Second, "a new ticket, and asked", `!document.getElementById('byno').hidden && document.getElementById('bynomsg').textContent.startsWith('已为这户登记新票：') &&
		document.getElementById('bynomsg').textContent.includes('1204 室 · 2 人') && !document.getElementById('bynoqrbox').hidden &&
		(i => i.complete && i.naturalWidth > 0)(document.getElementById('bynoqr')) && document.getElementById('bynoqrnote').textContent.includes('票 ')`)
	var shown string
	eval(tablet, `decodeURIComponent(document.getElementById('bynoqr').getAttribute('src').slice(4, -4))`, &shown)
	if tv, err := d.svc.Ticket(context.Background(), shown); err != nil || tv.Household.Room != "1204" || tv.Origin != "paper" {
		t.Errorf("the QR code shown for the new ticket is of %+v, %v; want 1204's paper ticket", tv, err)
	}
	tablet.shot("household-1024x768-new")
	tablet.click("that is them", "#bynoYes")
	tablet.within(3*time.Second, "the new one checked in", `document.getElementById('result').classList.contains('ok') && document.getElementById('result').textContent.includes('1204')`)
	pick("99", "1")
	tablet.within(3*time.Second, "told what a room is", `document.getElementById('byno').hidden && document.getElementById('result').classList.contains('bad') &&
		document.getElementById('result').textContent.includes('房号') && document.activeElement.id === 'hhr'`)
	tablet.noDialogs()
}
