package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"natq/queue/queuetest"
)

// TestPhoneHeldWhileLineFull: the line guard on a resident's phone. 北广场's
// one-metre line holds 40; eight parties of five fill it. A household
// booked for the next window is told on its phone that the line is full
// and to wait in its building; the site's tablet refuses its scan, saying
// to hold it there. Once a party is sampled and the line has room, the
// phone says so, with nobody reloading it, and the scan is taken.
func TestPhoneHeldWhileLineFull(t *testing.T) {
	e, out, errb := serveEnv(nil)
	e.now = clockAt(queuetest.At(7, 1))
	base := serve(t, e, errb, "--plan", fixture, "--walkin-share", "0", "--early", "30m")
	m := regexp.MustCompile(`coordinator token for c1 \(shown once\): (\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no coordinator token in %s", out.String())
	}
	coord := m[1]
	type booking struct {
		Ticket, Site string
	}
	book := func(room string, party int) booking {
		t.Helper()
		code, body := call(t, "POST", base+"/api/v1/compounds/c1/bookings", "", fmt.Sprintf(`{"building":"b1","room":%q,"party":%d}`, room, party))
		var b booking
		if code != 201 || json.Unmarshal([]byte(body), &b) != nil || b.Site != "s1" {
			t.Fatalf("booking %s for %d = %d %s, want a new ticket at s1", room, party, code, body)
		}
		return b
	}
	var in []booking
	for i := 1; i <= 8; i++ {
		b := book(fmt.Sprintf("%d0%d", 1+(i-1)/4, 1+(i-1)%4), 5)
		if code, body := call(t, "POST", base+"/api/v1/sites/s1/checkins", coord, fmt.Sprintf(`{"ticket":%q}`, b.Ticket)); code != 200 {
			t.Fatalf("check-in %d = %d %s", i, code, body)
		}
		in = append(in, b)
	}
	waiting := book("601", 2)

	bd := startBrowser(t, base)
	phone := bd.tab("phone-line-full", 360, 640, true)
	phone.run("open the ticket", chromedp.Navigate(base+"/t/"+waiting.Ticket), chromedp.WaitVisible("#ticket"))
	phone.within(3*time.Second, "told to wait in the building", `document.querySelector('#ticket[data-state="booked"][data-full="true"]') !== null &&
		document.getElementById('tstate').textContent === '一米线现在已满' && document.getElementById('thint').textContent.includes('（40 / 40 人）') &&
		document.getElementById('thint').textContent.includes('请先在楼内等候') && document.getElementById('thh').textContent === '601 室，2 人'`)
	phone.shot("lineguard-360x640-full")
	// The household comes anyway: the tablet's scan is refused, and says
	// to hold them at the building.
	tablet := bd.tab("tablet-line-full", 1024, 768, false)
	tablet.run("sign in", chromedp.Navigate(base+"/staff"), chromedp.WaitVisible("#token"),
		chromedp.SendKeys("#token", coord+kb.Enter), chromedp.WaitVisible("#app"))
	tablet.pickSite("s1")
	tablet.run("scan", chromedp.Click("#scan"), chromedp.SendKeys("#scan", base+"/t/"+waiting.Ticket+kb.Enter))
	tablet.within(3*time.Second, "the scan refused: the line is full", `document.getElementById('result').classList.contains('bad') &&
		document.getElementById('result').textContent === '队伍已满（一米线），请让居民在楼内等候（队中 40 人）'`)
	tablet.within(2*time.Second, "the line's meter full", `document.getElementById('occ').dataset.full === 'true'`)
	time.Sleep(300 * time.Millisecond) // the site's stream open

	// The desk calls the first party and samples it: the line has room.
	code, body := call(t, "POST", base+"/api/v1/sites/s1/calls", coord, `{"desk":1}`)
	if code != 200 {
		t.Fatalf("call = %d %s", code, body)
	}
	if code, body := call(t, "POST", base+"/api/v1/tickets/"+in[0].Ticket+"/sampled", coord, `{}`); code != 200 {
		t.Fatalf("sampled = %d %s", code, body)
	}
	phone.within(5*time.Second, "told to come once the line has room", `document.querySelector('#ticket[data-state="booked"][data-full="false"]') !== null &&
		document.getElementById('tstate').textContent === '已预约' && document.getElementById('tahead').dataset.ahead === '35'`)
	tablet.run("scan again", chromedp.Click("#scan"), chromedp.SendKeys("#scan", base+"/t/"+waiting.Ticket+kb.Enter))
	tablet.within(3*time.Second, "checked in now, named without a unit", `document.getElementById('result').classList.contains('ok') &&
		document.getElementById('result').textContent === '已签到：1号楼 601 室 · 2 人 · 票 9，前面 35 人'`)
	phone.within(2*time.Second, "the phone in line", `document.querySelector('#ticket[data-state="checked_in"]') !== null`)
	phone.noDialogs()
	tablet.noDialogs()
}
