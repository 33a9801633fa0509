package main

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"natq/queue"
)

// failLineReads makes a page's next window.failLines reads of a site's
// line fail: the first with no network, the others with the service
// answering 503, as a display sees on a site's flaky Wi-Fi or while natq
// restarts.
const failLineReads = `window.failLines = 0; window.lineReads = 0;
(function () {
	const f = window.fetch;
	window.fetch = function (u, o) {
		if (/\/line$/.test(String(u))) {
			window.lineReads++;
			if (window.failLines > 0) {
				const first = window.failLines === window.failFrom;
				window.failLines--;
				if (first) return Promise.reject(new TypeError('Failed to fetch'));
				return Promise.resolve(new Response('{"error":{"code":"unavailable","message":"服务暂时不可用","message_en":"unavailable"}}', {status: 503, headers: {'Content-Type': 'application/json'}}));
			}
		}
		return f.apply(this, arguments);
	};
})();`

// beforeEachPage runs the scripts in every page tb opens from now on,
// before the page's own (doubles of the browser's speech, fetch, ...).
func (tb *tab) beforeEachPage(srcs ...string) {
	tb.bd.t.Helper()
	for _, src := range srcs {
		if _, err := chromedp.Call(tb.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src}); err != nil {
			tb.bd.t.Fatal(err)
		}
	}
}

// deskOf signs the demo's marshal in, for changes made from the test.
func (bd *browserDemo) deskOf() *queue.Staff {
	bd.t.Helper()
	m, err := bd.d.svc.Authenticate(context.Background(), bd.d.marshal)
	if err != nil {
		bd.t.Fatal(err)
	}
	return m
}

// bookRoom books room of unit 1 of the demo's first building, for one;
// checkIn checks its ticket in at its site when m is not nil.
func (bd *browserDemo) bookRoom(room string, m *queue.Staff) (*queue.Booking, *queue.TicketView) {
	bd.t.Helper()
	ctx := context.Background()
	b, _, err := bd.d.svc.Book(ctx, bd.d.plan.Compound.ID, queue.Household{Building: bd.d.firstBuilding(), Unit: "1", Room: room, Party: 1})
	if err != nil {
		bd.t.Fatalf("booking room %s: %v", room, err)
	}
	if m == nil {
		return b, nil
	}
	tv, err := bd.d.svc.CheckIn(ctx, m, b.Site, b.Ticket)
	if err != nil {
		bd.t.Fatalf("checking room %s in: %v", room, err)
	}
	return b, tv
}

// TestDisplaySaysACallAfterAFailedRead: a call comes while the site
// display's network is down. The display reads the line for the call; the
// read fails, and so does the next; the call is not dropped: it is said
// once a read shows it, and only once.
func TestDisplaySaysACallAfterAFailedRead(t *testing.T) {
	bd := startBrowserDemo(t)
	d := bd.d
	ctx := context.Background()
	m := bd.deskOf()
	b, _ := bd.bookRoom("101", m)

	ds := bd.tab("display-flaky", 1024, 768, false)
	ds.beforeEachPage(speechDouble(`[{lang: 'zh-CN', name: 'zh'}]`), failLineReads)
	ds.run("open", chromedp.Navigate(bd.base+"/display/"+d.plan.Compound.ID+"/"+b.Site), chromedp.WaitVisible("#token"),
		chromedp.SendKeys("#token", d.marshal+kb.Enter), chromedp.WaitVisible("#board"))
	ds.within(3*time.Second, "the line shown", `document.getElementById('nocall').hidden === false && window.lineReads >= 1`)
	// The stream is open before the call.
	time.Sleep(500 * time.Millisecond)
	var ok bool
	eval(ds, `window.failFrom = window.failLines = 2; true`, &ok)

	called, err := d.svc.CallNext(ctx, m, b.Site, 1)
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatUint(called.ID, 10)
	ds.within(3*time.Second, "the failed read told on the display", `window.failLines === 1 && document.getElementById('notice').textContent === '连接中断，正在重试……' && window.natqDisplay.calls.length === 0`)
	ds.shot("display-1024x768-read-failed")
	ds.within(8*time.Second, "the call said once a read shows it", `window.failLines === 0 && window.natqDisplay.calls.length === 1 && String(window.natqDisplay.calls[0].id) === `+jsq(id)+` && window.__said.length === 1`)
	ds.within(time.Second, "the call shown, the notice gone", `document.querySelector('#calls li.latest[data-ticket="`+id+`"]') !== null && document.getElementById('notice').hidden`)
	// Said once: the reads that follow (the next change, the ten-second
	// reread) do not say it again.
	if _, err := d.svc.Sampled(ctx, m, b.Ticket, ""); err != nil {
		t.Fatal(err)
	}
	ds.within(3*time.Second, "the sample shown", `!document.getElementById('nocall').hidden`)
	var said int
	eval(ds, `window.__said.length`, &said)
	if said != 1 {
		t.Errorf("the call was said %d times, want once", said)
	}
	ds.noDialogs()
}
