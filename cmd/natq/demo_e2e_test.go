package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"natq/planner/synth"
)

// evilName is a building name that must show as text, never run.
const evilName = "<script>alert(1)</script>"

// browserDemo is a demo served on a free port with a headless Chromium.
type browserDemo struct {
	t       *testing.T
	d       *demo
	base    string
	browser context.Context
	shots   string
}

func chromiumPath(t *testing.T) string {
	for _, p := range []string{os.Getenv("NATQ_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	t.Fatal("no Chromium: install Debian's chromium (and fonts-noto-cjk), or set NATQ_CHROMIUM")
	return ""
}

// startBrowserDemo plans the contest compound with the first window's
// building renamed to evilName and serves it in-process on 127.0.0.1:0.
func startBrowserDemo(t *testing.T, edit ...func(*demoConfig)) *browserDemo {
	t.Helper()
	ctx := context.Background()
	// Which building opens the day: plan once as it is.
	probe, err := newDemo(ctx, demoConfig{desks: 30, now: clockAt(yearOn)}, "http://127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	firstID := probe.firstBuilding()
	var firstName string
	for _, b := range probe.plan.Buildings {
		if b.ID == firstID {
			firstName = b.Name
		}
	}
	probe.close()
	fc := synth.Contest()
	renamed := 0
	for _, f := range fc.Features {
		if _, ok := f.Properties["building"]; ok && f.Properties["name"] == firstName {
			f.Properties["name"] = evilName
			renamed++
		}
	}
	if renamed != 1 {
		t.Fatalf("building %s named %q: found %d features of that name, want 1", firstID, firstName, renamed)
	}
	compound, err := json.Marshal(fc)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	cfg := demoConfig{compound: compound, name: "contest.geojson", desks: 30, now: clockAt(yearOn)}
	for _, e := range edit {
		e(&cfg)
	}
	d, err := newDemo(ctx, cfg, base)
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	if got := d.firstBuilding(); got != firstID {
		t.Fatalf("renamed compound opens with building %s, want %s", got, firstID)
	}
	go d.app.Listener(ln)
	t.Cleanup(d.close)
	bd := startBrowser(t, base)
	bd.d = d
	return bd
}

// startBrowser starts a headless Chromium for pages served at base.
func startBrowser(t *testing.T, base string) *browserDemo {
	t.Helper()
	ctx := context.Background()
	var err error

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("lang", "zh-CN"),
	)
	actx, cancelA := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelB := chromedp.NewContext(actx)
	if err := chromedp.Do(bctx); err != nil { // starts the browser
		cancelB()
		cancelA()
		t.Fatalf("starting Chromium: %v", err)
	}
	t.Cleanup(func() { cancelB(); cancelA() })

	shots := os.Getenv("NATQ_SCREENSHOTS")
	if shots == "" {
		shots, err = os.MkdirTemp("", "natq-e2e-")
		if err != nil {
			t.Fatal(err)
		}
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", shots)
	return &browserDemo{t: t, base: base, browser: bctx, shots: shots}
}

// tab is one page in a browser context of its own (its own storage, as
// on its own device).
type tab struct {
	name string
	ctx  context.Context
	bd   *browserDemo

	mu      sync.Mutex
	bytes   int64 // encoded bytes of finished loads
	dialogs []string
	errors  []string
}

func (bd *browserDemo) tab(name string, w, h int64, mobile bool) *tab {
	t := bd.t
	ctx, cancel := chromedp.NewContext(bd.browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	tb := &tab{name: name, ctx: ctx, bd: bd}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("%s: opening the tab: %v", name, err)
	}
	err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *network.EventLoadingFinished:
			tb.mu.Lock()
			tb.bytes += int64(ev.EncodedDataLength)
			tb.mu.Unlock()
		case *page.EventJavascriptDialogOpening:
			tb.mu.Lock()
			tb.dialogs = append(tb.dialogs, ev.Message)
			tb.mu.Unlock()
			go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	vp := []chromedp.EmulateViewportOption{}
	if mobile {
		vp = append(vp, chromedp.EmulateMobile)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, h, vp...)); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return tb
}

func (tb *tab) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.bd.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.bd.t.Fatalf("%s: %s: %v", tb.name, what, err)
	}
}

// within waits up to d for a JavaScript condition to hold.
func (tb *tab) within(d time.Duration, what, cond string) time.Duration {
	tb.bd.t.Helper()
	start := time.Now()
	ctx, cancel := context.WithTimeout(tb.ctx, d)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingInterval(20*time.Millisecond))); err != nil {
		state, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.body.innerText.slice(0, 600)`))
		tb.bd.t.Fatalf("%s: %s: not within %v (%v); page says:\n%s", tb.name, what, d, err, state)
	}
	return time.Since(start)
}

// eval evaluates js in the page into v.
func eval[T any](tb *tab, js string, v *T) {
	tb.bd.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	r, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		tb.bd.t.Fatalf("%s: evaluate %s: %v", tb.name, js, err)
	}
	*v = r
}

// shot writes a full-page screenshot.
func (tb *tab) shot(name string) {
	tb.bd.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.bd.t.Fatalf("%s: screenshot %s: %v", tb.name, name, err)
	}
	path := filepath.Join(tb.bd.shots, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.bd.t.Fatal(err)
	}
	tb.bd.t.Logf("screenshot %s", path)
}

func (tb *tab) transferred() int64 {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return tb.bytes
}

func (tb *tab) noDialogs() {
	tb.bd.t.Helper()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if len(tb.dialogs) > 0 {
		tb.bd.t.Errorf("%s: a script ran and opened dialogs %q: a name was taken as HTML", tb.name, tb.dialogs)
	}
}

func jsq(s string) string { b, _ := json.Marshal(s); return string(b) }

// TestDemoInBrowser walks the day through the pages, as people would: a
// resident books on her phone; a marshal on the site's tablet checks her
// in by scanner, calls her and marks her sampled, and her phone follows
// each step within a second, without a reload; then the coordinator
// switches to rain and the phones show the wet site and route.
func TestDemoInBrowser(t *testing.T) {
	bd := startBrowserDemo(t)
	d := bd.d
	building := d.firstBuilding()
	resident := bd.base + d.residentPath(building)
	var mapDoc struct {
		Buildings []struct {
			ID   string            `json:"id"`
			Name string            `json:"name"`
			Site map[string]string `json:"site"`
		} `json:"buildings"`
		Sites []struct {
			ID, Name, Variant string
		} `json:"sites"`
		Routes []struct {
			Variant, Direction, D string
		} `json:"routes"`
	}
	phone := bd.tab("phone", 390, 844, true)
	phone.run("open the resident page", chromedp.Navigate(resident), chromedp.WaitVisible("#book"))
	phone.within(5*time.Second, "map drawn", `document.querySelectorAll('#map path.home').length === 1`)

	// The name is text, in the heading, the map and the title.
	var name, title string
	var scripts int
	eval(phone, `document.getElementById('bname').textContent`, &name)
	eval(phone, `document.title`, &title)
	eval(phone, `document.scripts.length`, &scripts)
	if name != evilName {
		t.Errorf("building heading = %q, want %q as text", name, evilName)
	}
	if !strings.Contains(title, evilName) {
		t.Errorf("title = %q, want it to hold %q", title, evilName)
	}
	if scripts != 2 {
		t.Errorf("resident page has %d script elements, want its own 2", scripts)
	}
	var mapLabel bool
	eval(phone, `[...document.querySelectorAll('#map text')].some(n => n.textContent === `+jsq(evilName)+`)`, &mapLabel)
	if !mapLabel {
		t.Errorf("map has no label reading %q", evilName)
	}
	phone.shot("resident-phone-1-form")

	// Book: unit 1, room 1203, two people.
	phone.run("book",
		chromedp.SetValue("#unit", "1"),
		chromedp.SendKeys("#room", "1203"),
		chromedp.Click("#plus"),
		chromedp.Click("#submit"),
	)
	phone.within(3*time.Second, "ticket shown", `document.querySelector('#ticket[data-state="booked"]') && !document.getElementById('ticket').hidden`)
	phone.within(3*time.Second, "ticket QR loaded", `(i => i.complete && i.naturalWidth > 0)(document.getElementById('tqr'))`)
	var token, siteText string
	eval(phone, `decodeURIComponent(document.getElementById('tqr').getAttribute('src').slice(4, -4))`, &token)
	eval(phone, `document.getElementById('tsite').textContent`, &siteText)
	tk, err := d.svc.Ticket(context.Background(), token)
	if err != nil {
		t.Fatalf("ticket %q from the page: %v", token, err)
	}
	if tk.Party != 2 || tk.Household.Room != "1203" || tk.Household.Unit != "1" {
		t.Errorf("booked %+v party %d, want unit 1 room 1203 party 2", tk.Household, tk.Party)
	}
	if siteText != tk.SiteName {
		t.Errorf("ticket site shown %q, want %q", siteText, tk.SiteName)
	}
	// Everything the phone fetched to get here: page, scripts, styles,
	// map, status, QR.
	size := phone.transferred()
	t.Logf("resident page transferred %d bytes (%.1f KB) up to the ticket", size, float64(size)/1024)
	if size >= 200*1024 {
		t.Errorf("resident page transferred %d bytes, want under 200 KB", size)
	}
	phone.shot("resident-phone-2-booked")

	// A neighbour books and stays booked: the rain switch moves her ticket.
	neighbour := bd.tab("neighbour", 390, 844, true)
	neighbour.run("open", chromedp.Navigate(resident), chromedp.WaitVisible("#book"))
	// Refusals: no room number; then every window full (the service's 409
	// stood in for, as filling the building would take hundreds of
	// bookings): the page says what to do instead.
	neighbour.run("book without a room", chromedp.Click("#submit"))
	neighbour.within(time.Second, "asked for the room", `!document.getElementById('berr').hidden && document.getElementById('berr').textContent.includes('房号')`)
	neighbour.run("book into a full building",
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := chromedp.Evaluate[chromedp.Void](`window.realFetch = window.fetch; window.fetch = (u, o) => String(u).endsWith('/bookings') ? Promise.resolve(new Response(JSON.stringify({error: {code: 'full', message: '所有时段都已约满', message_en: 'every window is full'}}), {status: 409})) : window.realFetch(u, o)`)(ctx, t)
			return err
		}),
		chromedp.SendKeys("#room", "502"), chromedp.Click("#submit"))
	neighbour.within(time.Second, "told what to do when full", `document.getElementById('berr').textContent.includes('现场') && document.getElementById('ticket').hidden`)
	neighbour.shot("resident-phone-0-full")
	neighbour.run("book",
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := chromedp.Evaluate[chromedp.Void](`window.fetch = window.realFetch`)(ctx, t)
			return err
		}),
		chromedp.SetValue("#unit", "1"), chromedp.Click("#submit"))
	neighbour.within(3*time.Second, "ticket shown", `document.querySelector('#ticket[data-state="booked"]') !== null`)

	// The marshal's tablet.
	tablet := bd.tab("tablet", 1024, 768, false)
	tablet.run("sign in",
		chromedp.Navigate(bd.base+"/staff"), chromedp.WaitVisible("#token"),
		chromedp.SendKeys("#token", d.staff+kb.Enter),
		chromedp.WaitVisible("#app"))
	tablet.within(5*time.Second, "sites listed", `document.querySelectorAll('#site option').length > 0`)
	tablet.run("pick the ticket's site", chromedp.SetValue("#site", tk.Site),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](`document.getElementById('site').dispatchEvent(new Event('change'))`)(ctx, t)
			return err
		}))
	tablet.within(3*time.Second, "windows shown", `document.querySelectorAll('#wins tr').length > 0`)
	tablet.within(3*time.Second, "due list names the building as text", `[...document.querySelectorAll('#due li')].some(li => li.textContent.includes(`+jsq(evilName)+`))`)
	tablet.shot("staff-tablet-1-signed-in")

	// step does a tablet action and waits for the phone to follow.
	step := func(what, state string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		tablet.run(what, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := chromedp.Evaluate[chromedp.Void](`document.getElementById('result').textContent = ''`)(ctx, t)
			return err
		}))
		tablet.run(what, actions...)
		tablet.within(3*time.Second, what+" accepted", `document.getElementById('result').classList.contains('ok')`)
		took := phone.within(time.Second, "phone shows "+state, `document.querySelector('#ticket[data-state="`+state+`"]') !== null`)
		t.Logf("%s: the phone showed %s %v after the tablet's answer", what, state, took.Round(time.Millisecond))
	}
	// A handheld scanner types what the QR holds (the ticket page URL)
	// and Enter.
	step("check in by scanner", "checked_in", chromedp.Click("#scan"), chromedp.SendKeys("#scan", tk.URL+kb.Enter))
	phone.within(time.Second, "people ahead shown", `document.getElementById('tahead').dataset.ahead === '0'`)
	tablet.within(2*time.Second, "line occupancy", `document.getElementById('occnum').textContent.startsWith('2 ')`)
	phone.shot("resident-phone-3-checked-in")
	tablet.shot("staff-tablet-2-checked-in")
	step("call next", "called", chromedp.Click("#call"))
	phone.shot("resident-phone-4-called")
	step("sampled", "sampled", chromedp.SendKeys("#tube", "T0001"), chromedp.Click("#sampledBtn"))
	phone.shot("resident-phone-5-sampled")
	tablet.shot("staff-tablet-3-sampled")
	if tk, err = d.svc.Ticket(context.Background(), token); err != nil || tk.State != "sampled" || tk.Tube != "T0001" {
		t.Fatalf("after the tablet: ticket %+v, %v; want sampled into tube T0001", tk, err)
	}

	// Rain: the coordinator's switch (tap, then tap again to confirm).
	var dryRoutes string
	eval(phone, `[...document.querySelectorAll('#map path.route')].map(p => p.getAttribute('d')).join('|')`, &dryRoutes)
	tablet.run("rain switch", chromedp.Click("#rain"), chromedp.Click("#rain"))
	tablet.within(3*time.Second, "switched", `document.body.classList.contains('wet')`)
	phone.within(2*time.Second, "phone shows the rain plan", `document.body.classList.contains('wet') && !document.getElementById('rain').hidden`)
	neighbour.within(2*time.Second, "neighbour shows the rain plan", `document.body.classList.contains('wet')`)

	resp, err := http.Get(bd.base + "/api/v1/compounds/" + d.plan.Compound.ID + "/map.json?building=" + building)
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(resp.Body).Decode(&mapDoc)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	var wetSite string
	for _, b := range mapDoc.Buildings {
		if b.ID == building {
			wetSite = b.Site["wet"]
		}
	}
	var wetName string
	for _, s := range mapDoc.Sites {
		if s.ID == wetSite && s.Variant == "wet" {
			wetName = s.Name
		}
	}
	var wetRoutes []string
	for _, r := range mapDoc.Routes {
		if r.Variant == "wet" && r.Direction != "back" {
			wetRoutes = append(wetRoutes, r.D)
		}
	}
	if wetName == "" {
		t.Fatalf("the map has no wet site for building %s", building)
	}
	phone.within(time.Second, "wet site shown", `document.getElementById('bsite').textContent === `+jsq(wetName))
	var drawn string
	eval(phone, `[...document.querySelectorAll('#map path.route')].map(p => p.getAttribute('d')).join('|')`, &drawn)
	if drawn != strings.Join(wetRoutes, "|") {
		t.Errorf("phone draws routes %q, want the wet ones %q", drawn, strings.Join(wetRoutes, "|"))
	}
	if len(wetRoutes) == 0 {
		t.Errorf("the plan has no wet route for building %s: nothing to draw", building)
	}
	if dryRoutes == drawn && len(wetRoutes) > 0 {
		t.Logf("dry and wet routes of %s are the same walk", building)
	}
	neighbour.within(2*time.Second, "neighbour's ticket moved to the wet site", `document.getElementById('tsite').textContent === `+jsq(wetName))
	phone.shot("resident-phone-6-rain")
	neighbour.shot("resident-phone-7-neighbour-rain")
	tablet.shot("staff-tablet-4-rain")

	// English, and the other sizes of each page.
	phone.run("English", chromedp.Click("#lang"))
	phone.within(time.Second, "English", `document.getElementById('tstate').textContent === 'Sampled. Thank you!'`)
	phone.shot("resident-phone-8-english")
	tablet.run("coverage", chromedp.Click("#tab-cov"))
	tablet.within(3*time.Second, "coverage rows", `document.querySelectorAll('#covrows tr').length > 0 && [...document.querySelectorAll('#covrows td')].some(td => td.textContent === `+jsq(evilName)+`)`)
	tablet.within(3*time.Second, "neighbour not yet sampled", `[...document.querySelectorAll('#notrows tr')].some(tr => tr.textContent.includes('502'))`)
	tablet.shot("staff-tablet-5-coverage")
	tablet.run("back to the site", chromedp.Click("#tab-site"))

	bigPhone := bd.tab("resident-tablet", 1024, 768, false)
	bigPhone.run("open", chromedp.Navigate(resident), chromedp.WaitVisible("#book"))
	bigPhone.within(3*time.Second, "map drawn", `document.querySelectorAll('#map path.home').length === 1`)
	bigPhone.shot("resident-tablet-size")
	// The ticket's own QR opens its page anywhere: /t/{ticket}.
	bigPhone.run("open the ticket page", chromedp.Navigate(tk.URL))
	bigPhone.within(3*time.Second, "ticket page shows the ticket", `document.querySelector('#ticket[data-state="sampled"]') !== null && document.getElementById('bname').textContent === `+jsq(evilName))
	bigPhone.shot("resident-tablet-size-ticket")
	smallTablet := bd.tab("staff-phone", 390, 844, true)
	smallTablet.run("sign in",
		chromedp.Navigate(bd.base+"/staff"), chromedp.WaitVisible("#token"))
	smallTablet.shot("staff-phone-size-1-signin")
	smallTablet.run("sign in", chromedp.SendKeys("#token", d.marshal+kb.Enter), chromedp.WaitVisible("#app"))
	smallTablet.within(3*time.Second, "windows shown", `document.querySelectorAll('#wins tr').length > 0`)
	smallTablet.shot("staff-phone-size-2")
	tablet.shot("staff-tablet-6-site")

	// A full line: the bar turns red and tells the marshal to hold
	// arrivals. Filling 500 metres of line by hand is not a test, so the
	// status the tablet reads says the line is full.
	fullTablet := bd.tab("tablet-line-full", 1024, 768, false)
	if _, err := chromedp.Call(fullTablet.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `
		const realFetch = window.fetch;
		window.fetch = (u, o) => realFetch(u, o).then(r => /\/api\/v1\/compounds\/[^/]+$/.test(String(u)) ? r.json().then(b => { b.sites.forEach(s => s.in_line = s.line_capacity); return new Response(JSON.stringify(b), {status: r.status}); }) : r);`}); err != nil {
		t.Fatal(err)
	}
	fullTablet.run("sign in", chromedp.Navigate(bd.base+"/staff"), chromedp.WaitVisible("#token"),
		chromedp.SendKeys("#token", d.marshal+kb.Enter), chromedp.WaitVisible("#app"))
	fullTablet.within(3*time.Second, "red bar", `document.getElementById('occ').dataset.full === 'true' && parseFloat(document.getElementById('occfill').style.width) === 100 && getComputedStyle(document.getElementById('occfill')).backgroundColor === 'rgb(200, 16, 46)' && !document.getElementById('occmsg').hidden`)
	fullTablet.shot("staff-tablet-7-line-full")

	for _, tb := range []*tab{phone, neighbour, tablet, bigPhone, smallTablet, fullTablet} {
		tb.noDialogs()
	}
	var overflow string
	for _, tb := range []*tab{phone, tablet, bigPhone, smallTablet} {
		eval(tb, `(() => { const w = document.documentElement.clientWidth; return [...document.querySelectorAll('body *')].filter(n => { if (n.closest('svg')) return false; const r = n.getBoundingClientRect(); return r.width > 0 && (r.right > w + 1 || r.left < -1); }).slice(0, 5).map(n => n.tagName + '#' + n.id + '.' + n.className).join(', '); })()`, &overflow)
		if overflow != "" {
			t.Errorf("%s: cut off at the right edge: %s", tb.name, overflow)
		}
	}
	_ = fmt.Sprint
}
