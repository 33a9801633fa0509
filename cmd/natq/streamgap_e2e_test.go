package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// frontProxy stands in front of natq as a site's nginx does. down() ends
// every request going through it, its event streams too, and answers 502
// until up(): natq restarting behind it, or gone for a while.
type frontProxy struct {
	srv *httptest.Server

	mu      sync.Mutex
	out     bool
	open    map[int]context.CancelFunc
	next    int
	stops   int // event stream requests answered 502
	streams int // event streams open through it
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
		stream := r.Header.Get("Accept") == "text/event-stream"
		if stream {
			p.streams++
		}
		p.mu.Unlock()
		defer func() {
			p.mu.Lock()
			delete(p.open, id)
			if stream {
				p.streams--
			}
			p.mu.Unlock()
			cancel()
		}()
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

func (p *frontProxy) openStreams() int { p.mu.Lock(); defer p.mu.Unlock(); return p.streams }

// TestStreamsComeBackAfterAnOutage: natq behind a proxy goes away for a
// while (a restart), and the proxy answers the pages' event streams with
// 502, on which a browser's EventSource gives up for good. Two calls made
// meanwhile came as no event. Once natq is back, the site display opens
// its stream again by itself and says the call it missed (not the one
// three minutes older, which its desk has dealt with), the phone of the
// first called resident shows her desk, and the site's tablet lists who
// checked in meanwhile, with nobody touching any of them.
func TestStreamsComeBackAfterAnOutage(t *testing.T) {
	// The service's clock, which the test moves on while natq is away.
	var skew atomic.Int64
	base := clockAt(yearOn)
	bd := startBrowserDemo(t, func(c *demoConfig) {
		c.now = func() time.Time { return base().Add(time.Duration(skew.Load())) }
	})
	d := bd.d
	ctx := context.Background()
	m := bd.deskOf()
	b, in := bd.bookRoom("101", m)
	b2, _ := bd.bookRoom("102", nil)
	bd.bookRoom("103", m)
	px := startFrontProxy(t, bd.base)

	ds := bd.tab("display-behind-proxy", 1024, 768, false)
	ds.beforeEachPage(speechDouble(`[{lang: 'zh-CN', name: 'zh'}]`))
	ds.run("open", chromedp.Navigate(px.srv.URL+"/display/"+d.plan.Compound.ID+"/"+b.Site), chromedp.WaitVisible("#token"),
		chromedp.SendKeys("#token", d.marshal+kb.Enter), chromedp.WaitVisible("#board"))
	ds.within(3*time.Second, "the line shown", `!document.getElementById('nocall').hidden && document.querySelectorAll('#next li').length === 2`)
	phone := bd.tab("phone-behind-proxy", 390, 844, true)
	phone.beforeEachPage(`window.__buzz = 0; navigator.vibrate = () => { window.__buzz++; return true; };`)
	phone.run("open the ticket", chromedp.Navigate(px.srv.URL+in.URL[len(bd.base):]), chromedp.WaitVisible("#ticket"))
	phone.within(3*time.Second, "in line", `document.querySelector('#ticket[data-state="checked_in"]') !== null`)
	tablet := bd.tab("tablet-behind-proxy", 1024, 768, false)
	tablet.run("sign in", chromedp.Navigate(px.srv.URL+"/staff"), chromedp.WaitVisible("#token"),
		chromedp.SendKeys("#token", d.staff+kb.Enter), chromedp.WaitVisible("#app"))
	tablet.pickSite(b.Site)
	tablet.within(3*time.Second, "the tablet lists the two in line", `document.querySelectorAll('#linerows tr').length === 2`)
	// The four streams open (a page opens them after it shows what it
	// read): on a busy machine, half a second was not always enough.
	for deadline := time.Now().Add(10 * time.Second); px.openStreams() < 4 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	if n := px.openStreams(); n < 4 {
		t.Fatalf("%d event streams open through the proxy, want the display's, the phone's two and the tablet's", n)
	}

	px.down()
	deadline := time.Now().Add(5 * time.Second)
	for px.refused() < 4 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := px.refused(); n < 4 {
		t.Fatalf("%d event streams asked again while natq was away, want the display's, the phone's two and the tablet's", n)
	}
	// Meanwhile (another instance, or the desk's other tablet) 101 is
	// called to desk 1; three minutes on, 103 to desk 2, and 102 checks
	// in. 101's call is old news by the time natq is back: desk 1 has
	// dealt with her. 103's is not.
	old, err := d.svc.CallNext(ctx, m, b.Site, 1)
	if err != nil {
		t.Fatal(err)
	}
	skew.Add(int64(3 * time.Minute))
	called, err := d.svc.CallNext(ctx, m, b.Site, 2)
	if err != nil {
		t.Fatal(err)
	}
	if old.Ticket != in.Ticket || called.Ticket == in.Ticket {
		t.Fatalf("called %d then %d, want 101's ticket %d first", old.ID, called.ID, in.ID)
	}
	if _, err := d.svc.CheckIn(ctx, m, b2.Site, b2.Ticket); err != nil {
		t.Fatal(err)
	}
	// Each page says its live updates are away, once they have been for
	// a while: what it shows may be out of date.
	away := `!document.getElementById('offline').hidden && document.getElementById('offline').textContent === '实时更新中断，正在重新连接……'`
	for _, tb := range []*tab{ds, phone, tablet} {
		tb.within(10*time.Second, "the page says its live updates are away", away)
	}
	ds.shot("streamgap-display-1024x768-offline")
	var said int
	eval(ds, `window.natqDisplay.calls.length`, &said)
	if said != 0 {
		t.Fatalf("the display said %d calls while its stream was away, want none yet", said)
	}
	px.up()
	for _, tb := range []*tab{ds, phone, tablet} {
		tb.within(40*time.Second, "the page's live updates back", `document.getElementById('offline').hidden`)
	}

	id := strconv.FormatUint(called.ID, 10)
	ds.within(10*time.Second, "the missed call said once natq is back", `window.natqDisplay.calls.length === 1 && String(window.natqDisplay.calls[0].id) === `+jsq(id)+` && window.__said.length === 1`)
	ds.within(time.Second, "and shown, with the older one", `document.querySelector('#calls li.latest[data-ticket="`+id+`"]') !== null && document.querySelectorAll('#calls li').length === 2`)
	phone.within(10*time.Second, "the phone shows her desk, and buzzes", `document.querySelector('#ticket[data-state="called"]') !== null && window.__buzz === 1`)
	phone.shot("streamgap-390x844-called-after-outage")
	tablet.within(10*time.Second, "the tablet lists the called one and the one checked in meanwhile",
		`document.querySelectorAll('#linerows tr').length === 3 && document.querySelectorAll('#linerows tr.called').length === 2 && [...document.querySelectorAll('#linerows tr')].some(tr => tr.textContent.includes('102'))`)

	// The streams are live again: the samples reach both as events.
	for _, tok := range []string{in.Ticket, called.Ticket} {
		if _, err := d.svc.Sampled(ctx, m, tok, ""); err != nil {
			t.Fatal(err)
		}
	}
	phone.within(2*time.Second, "the sample reaches the phone", `document.querySelector('#ticket[data-state="sampled"]') !== null`)
	ds.within(2*time.Second, "and the display", `!document.getElementById('nocall').hidden`)
	eval(ds, `window.__said.length`, &said)
	if said != 1 {
		t.Errorf("the call was said %d times, want once", said)
	}
}
