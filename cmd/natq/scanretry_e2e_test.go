package main

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// loseCheckIns makes the page's next check-ins fail as a site's Wi-Fi
// fails them: window.lostAfter ones reach natq and their answers are
// lost; then window.lostBefore ones never leave the tablet.
const loseCheckIns = `window.lostAfter = 0; window.lostBefore = 0; window.checkIns = 0;
(function () {
	const f = window.fetch;
	window.fetch = function (u, o) {
		if (!/\/checkins$/.test(String(u))) return f.apply(this, arguments);
		window.checkIns++;
		if (window.lostBefore > 0) { window.lostBefore--; return Promise.reject(new TypeError('Failed to fetch')); }
		const sent = f.apply(this, arguments);
		if (window.lostAfter > 0) { window.lostAfter--; return sent.then(() => Promise.reject(new TypeError('Failed to fetch'))); }
		return sent;
	};
})();`

// TestScanAgainOnFlakyWiFi: the tablet's scans on a site's Wi-Fi. A
// scan whose answer is lost after natq checked the resident in is sent
// again and shown as done, in green, not as a second scan's warning; a
// scan that never left the tablet is sent again until it gets through.
// Neither needs the resident's phone scanned twice.
func TestScanAgainOnFlakyWiFi(t *testing.T) {
	bd := startBrowserDemo(t)
	d := bd.d
	ctx := context.Background()
	first, _ := bd.bookRoom("101", nil)
	second, _ := bd.bookRoom("102", nil)
	tablet := bd.tab("tablet-flaky-wifi", 1024, 768, false)
	tablet.beforeEachPage(loseCheckIns)
	tablet.staffAt(d.marshal, first.Site)
	scan := func(url string) {
		t.Helper()
		tablet.run("scan", chromedp.Click("#scan"), chromedp.SendKeys("#scan", url+kb.Enter))
	}

	var ok bool
	eval(tablet, `window.lostAfter = 1, true`, &ok)
	scan(first.URL)
	tablet.within(5*time.Second, "the lost answer's scan shown as done", `window.checkIns === 2 && document.getElementById('result').classList.contains('ok') &&
		document.getElementById('result').textContent.startsWith('已签到（网络中断前已办好）：已于 ')`)
	if tk, err := d.svc.Ticket(ctx, first.Ticket); err != nil || tk.State != "checked_in" {
		t.Errorf("the first after its lost answer = %+v, %v; want checked in", tk, err)
	}

	eval(tablet, `window.lostBefore = 2, true`, &ok)
	scan(second.URL)
	tablet.within(2*time.Second, "told it is trying again", `document.getElementById('result').classList.contains('warn') && document.getElementById('result').textContent.startsWith('网络没有回应，正在重试')`)
	tablet.within(6*time.Second, "checked in on the third try", `window.checkIns === 5 && document.getElementById('result').classList.contains('ok') &&
		document.getElementById('result').textContent.startsWith('已签到：') && document.getElementById('result').textContent.includes('102')`)
	tk, err := d.svc.Ticket(ctx, second.Ticket)
	if err != nil || tk.State != "checked_in" {
		t.Fatalf("the second after two lost scans = %+v, %v; want checked in", tk, err)
	}
	tablet.within(3*time.Second, "both in the line", `document.querySelectorAll('#linerows tr').length === 2 && document.getElementById('linerows').textContent.includes(`+jsq(strconv.FormatUint(tk.ID, 10))+`)`)
	tablet.noDialogs()
}
