package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"natq/queue"
)

// frontProxy stands in front of natq as a site's nginx does. down() ends
// every request going through it, its event streams too, and answers 502
// until up(): natq restarting behind it, or gone for a while.
type frontProxy struct {
	srv *httptest.Server

	mu    sync.Mutex
	out   bool
	open  map[int]context.CancelFunc
	next  int
	stops int // event stream requests answered 502
}

func startFrontProxy(t *testing.T, backend string) *frontProxy {
	t.Helper()
	u, err := url.Parse(backend)
	if err != nil {
		t.Fatal(err)
	}
	p := &frontProxy{open: map[int]context.CancelFunc{}}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ErrorLog = nil
	rp.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) { w.WriteHeader(http.StatusBadGateway) }
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		if p.out {
			if r.Header.Get("Accept") == "text/event-stream" {
				p.stops++
			}
			p.mu.Unlock()
			http.Error(w, "502 Bad Gateway", http.StatusBadGateway)
			return
		}
		ctx, cancel := context.WithCancel(r.Context())
		id := p.next
		p.next++
		p.open[id] = cancel
		p.mu.Unlock()
		defer func() { p.mu.Lock(); delete(p.open, id); p.mu.Unlock(); cancel() }()
		rp.ServeHTTP(w, r.WithContext(ctx))
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *frontProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.out = true
	for _, cancel := range p.open {
		cancel()
	}
}

func (p *frontProxy) up() { p.mu.Lock(); p.out = false; p.mu.Unlock() }

func (p *frontProxy) refused() int { p.mu.Lock(); defer p.mu.Unlock(); return p.stops }

// TestStreamsComeBackAfterAnOutage: natq behind a proxy goes away for a
// while (a restart), and the proxy answers the pages' event streams with
// 502, on which a browser's EventSource gives up for good. A call made
// meanwhile came as no event. Once natq is back, the site display opens
// its stream again by itself and says the call it missed, and the phone
// of the called resident shows her desk, and the site's tablet lists who
// checked in meanwhile, with nobody touching any of them.
func TestStreamsComeBackAfterAnOutage(t *testing.T) {
	bd := startBrowserDemo(t)
	d := bd.d
	ctx := context.Background()
	m, err := d.svc.Authenticate(ctx, d.marshal)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := d.svc.Book(ctx, d.plan.Compound.ID, queue.Household{Building: d.firstBuilding(), Unit: "1", Room: "101", Party: 1})
	if err != nil {
		t.Fatal(err)
	}
	in, err := d.svc.CheckIn(ctx, m, b.Site, b.Ticket)
	if err != nil {
		t.Fatal(err)
	}
	b2, _, err := d.svc.Book(ctx, d.plan.Compound.ID, queue.Household{Building: d.firstBuilding(), Unit: "1", Room: "102", Party: 1})
	if err != nil {
		t.Fatal(err)
	}
	px := startFrontProxy(t, bd.base)

	ds := bd.tab("display-behind-proxy", 1024, 768, false)
	if _, err := chromedp.Call(ds.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: speechDouble(`[{lang: 'zh-CN', name: 'zh'}]`)}); err != nil {
		t.Fatal(err)
	}
	ds.run("open", chromedp.Navigate(px.srv.URL+"/display/"+d.plan.Compound.ID+"/"+b.Site), chromedp.WaitVisible("#token"),
		chromedp.SendKeys("#token", d.marshal+kb.Enter), chromedp.WaitVisible("#board"))
	ds.within(3*time.Second, "the line shown", `!document.getElementById('nocall').hidden && document.querySelectorAll('#next li').length === 1`)
	phone := bd.tab("phone-behind-proxy", 390, 844, true)
	phone.run("open the ticket", chromedp.Navigate(px.srv.URL+in.URL[len(bd.base):]), chromedp.WaitVisible("#ticket"))
	phone.within(3*time.Second, "in line", `document.querySelector('#ticket[data-state="checked_in"]') !== null`)
	tablet := bd.tab("tablet-behind-proxy", 1024, 768, false)
	tablet.run("sign in", chromedp.Navigate(px.srv.URL+"/staff"), chromedp.WaitVisible("#token"),
		chromedp.SendKeys("#token", d.staff+kb.Enter), chromedp.WaitVisible("#app"))
	tablet.pickSite(b.Site)
	tablet.within(3*time.Second, "the tablet lists the one in line", `document.querySelectorAll('#linerows tr').length === 1`)
	time.Sleep(500 * time.Millisecond) // the streams open

	px.down()
	deadline := time.Now().Add(5 * time.Second)
	for px.refused() < 4 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := px.refused(); n < 4 {
		t.Fatalf("%d event streams asked again while natq was away, want the display's, the phone's two and the tablet's", n)
	}
	// Meanwhile (another instance, or the desk's other tablet) the first
	// is called and the second checked in.
	called, err := d.svc.CallNext(ctx, m, b.Site, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.svc.CheckIn(ctx, m, b2.Site, b2.Ticket); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	var said int
	eval(ds, `window.natqDisplay.calls.length`, &said)
	if said != 0 {
		t.Fatalf("the display said %d calls while its stream was away, want none yet", said)
	}
	px.up()

	id := strconv.FormatUint(called.ID, 10)
	ds.within(10*time.Second, "the missed call said once natq is back", `window.natqDisplay.calls.length === 1 && String(window.natqDisplay.calls[0].id) === `+jsq(id)+` && window.__said.length === 1`)
	ds.within(time.Second, "and shown", `document.querySelector('#calls li.latest[data-ticket="`+id+`"]') !== null`)
	phone.within(10*time.Second, "the phone shows her desk", `document.querySelector('#ticket[data-state="called"]') !== null`)
	phone.shot("streamgap-390x844-called-after-outage")
	tablet.within(10*time.Second, "the tablet lists the called one and the one checked in meanwhile",
		`document.querySelectorAll('#linerows tr').length === 2 && document.querySelector('#linerows tr.called') !== null && [...document.querySelectorAll('#linerows tr')].some(tr => tr.textContent.includes('102'))`)

	// The streams are live again: the sample reaches both as an event.
	if _, err := d.svc.Sampled(ctx, m, in.Ticket, ""); err != nil {
		t.Fatal(err)
	}
	phone.within(2*time.Second, "the sample reaches the phone", `document.querySelector('#ticket[data-state="sampled"]') !== null`)
	ds.within(2*time.Second, "and the display", `!document.getElementById('nocall').hidden`)
	eval(ds, `window.__said.length`, &said)
	if said != 1 {
		t.Errorf("the call was said %d times, want once", said)
	}
}
