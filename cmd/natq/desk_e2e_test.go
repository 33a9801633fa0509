package main

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"natq/queue"
	"natq/queue/queuetest"
)

// speechDouble stands in for the browser's speech engine (headless
// Chromium has no voices): it offers the voices given and records what
// the page asks it to say.
func speechDouble(voices string) string {
	return `window.__said = [];
	(function () {
		const voices = ` + voices + `;
		const engine = window.speechSynthesis || {};
		engine.getVoices = () => voices;
		engine.speak = u => window.__said.push({text: u.text, lang: u.lang});
		engine.cancel = () => {};
		if (!window.speechSynthesis) Object.defineProperty(window, 'speechSynthesis', {value: engine});
		if (!window.SpeechSynthesisUtterance) window.SpeechSynthesisUtterance = function (t) { this.text = t; };
	})();`
}

// failures records the responses of a tab that failed (a 404 favicon).
func failures(tb *tab) func() []string {
	var mu sync.Mutex
	var bad []string
	err := chromedp.Listen(tb.ctx, func(ev any) {
		if r, ok := ev.(*network.EventResponseReceived); ok && r.Response.Status >= 400 {
			mu.Lock()
			bad = append(bad, fmt.Sprintf("%d %s", r.Response.Status, r.Response.URL))
			mu.Unlock()
		}
	})
	if err != nil {
		tb.bd.t.Fatal(err)
	}
	return func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), bad...) }
}

// staffAt signs the staff page in with token and picks site.
func (tb *tab) staffAt(token, site string) {
	tb.bd.t.Helper()
	tb.run("sign in", chromedp.Navigate(tb.bd.base+"/staff"), chromedp.WaitVisible("#token"),
		chromedp.SendKeys("#token", token+kb.Enter), chromedp.WaitVisible("#app"))
	tb.pickSite(site)
}

// pickSite picks site on a signed-in staff page, once it is listed, and
// waits for its desks.
func (tb *tab) pickSite(site string) {
	tb.bd.t.Helper()
	tb.within(5*time.Second, "site "+site+" listed", `[...document.querySelectorAll('#site option')].some(o => o.value === `+jsq(site)+`)`)
	tb.run("pick the site", chromedp.SetValue("#site", site), chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](`document.getElementById('site').dispatchEvent(new Event('change'))`)(ctx, tg)
		return err
	}))
	tb.within(3*time.Second, "desks listed", `document.querySelectorAll('#desk option').length > 0`)
}

func (tb *tab) click(what, sel string) {
	tb.bd.t.Helper()
	tb.run(what, chromedp.Click(sel))
}

// jsText evaluates to an element's text.
func jsText(tb *tab, sel string) string {
	var s string
	eval(tb, `(n => n ? n.textContent : '')(document.querySelector(`+jsq(sel)+`))`, &s)
	return s
}

// TestDeskMorningInBrowser drives a morning at one desk through the
// pages: three residents book on their phones and are checked in by
// scanner; a second scan warns; the first is called, the desk calls again
// and is asked what became of her: missed, so the next is called at once;
// the rain switch is thrown with people in line, who stay in line and are
// told where to go; the first is called again, missed again, the third
// called, then the first comes back and is sampled. The site display shows
// and speaks each call within a second of the tablet's.
func TestDeskMorningInBrowser(t *testing.T) {
	bd := startBrowserDemo(t)
	d := bd.d
	ctx := context.Background()
	building := d.firstBuilding()
	resident := bd.base + d.residentPath(building)

	noSideways := func(tb *tab, what string) {
		t.Helper()
		var over string
		eval(tb, `(() => { const w = document.documentElement.clientWidth; const bad = [...document.querySelectorAll('body *')].filter(n => { if (n.closest('svg')) return false; const r = n.getBoundingClientRect(); const c = n.closest('.card'), cr = c && c !== n ? c.getBoundingClientRect() : null; return r.width > 0 && (r.right > w + 1 || r.left < -1 || (cr && r.right > cr.right + 1)); }).slice(0, 5).map(n => n.tagName + '#' + n.id + '.' + n.className); return (document.documentElement.scrollWidth > w ? 'scrollWidth ' + document.documentElement.scrollWidth + ' ' : '') + bad.join(', '); })()`, &over)
		if over != "" {
			t.Errorf("%s: wider than the screen: %s", what, over)
		}
	}

	// Three residents book: the first on a small phone (360x640).
	type person struct {
		phone *tab
		tok   string
		room  string
		tk    *queue.TicketView
		fails func() []string
	}
	var ps []*person
	for i, room := range []string{"101", "102", "201"} {
		w, h := int64(390), int64(844)
		if i == 0 {
			w, h = 360, 640
		}
		ph := bd.tab(fmt.Sprintf("phone-%d", i+1), w, h, true)
		p := &person{phone: ph, room: room, fails: failures(ph)}
		ph.run("open", chromedp.Navigate(resident), chromedp.WaitVisible("#book"))
		ph.run("book", chromedp.SetValue("#unit", "1"), chromedp.SendKeys("#room", room), chromedp.Click("#submit"))
		ph.within(3*time.Second, "ticket shown", `document.querySelector('#ticket[data-state="booked"]') && !document.getElementById('ticket').hidden`)
		ph.within(3*time.Second, "ticket QR loaded", `(i => i.complete && i.naturalWidth > 0)(document.getElementById('tqr'))`)
		eval(ph, `decodeURIComponent(document.getElementById('tqr').getAttribute('src').slice(4, -4))`, &p.tok)
		tk, err := d.svc.Ticket(ctx, p.tok)
		if err != nil {
			t.Fatalf("phone %d: ticket %q: %v", i+1, p.tok, err)
		}
		p.tk = tk
		ps = append(ps, p)
	}
	a, b, c := ps[0], ps[1], ps[2]
	// A family member books the third household again from another phone,
	// typing its room another way, for two: told it has booked, and given
	// nothing of its ticket (anyone can type a room number). With the
	// ticket's link, which the family sends, the phone changes the party.
	kin := bd.tab("phone-kin", 390, 844, true)
	kin.run("book again", chromedp.Navigate(resident), chromedp.WaitVisible("#book"),
		chromedp.SetValue("#unit", "1"), chromedp.SendKeys("#room", "０２０１室"), chromedp.Click("#plus"), chromedp.Click("#submit"))
	kin.within(3*time.Second, "told the household has booked", `!document.getElementById('berr').hidden && document.getElementById('berr').textContent.includes('这户已经预约过了') && document.getElementById('ticket').hidden`)
	kin.shot("desk-390x844-kin-1-booked-elsewhere")
	if tk, _ := d.svc.Ticket(ctx, c.tok); tk.Party != 1 {
		t.Errorf("the third household's party = %d after another phone asked for 2, want 1", tk.Party)
	}
	kin.run("open the ticket's link", chromedp.Navigate(bd.base+"/t/"+c.tok), chromedp.WaitVisible("#tpartybox"),
		chromedp.Click("#tpartybox summary"), chromedp.Click("#tplus"))
	kin.within(3*time.Second, "offered a party of 2", `document.getElementById('tpartysave').textContent === '改为 2 人' && !document.getElementById('tpartysave').disabled`)
	kin.shot("desk-390x844-kin-2-party")
	kin.run("change the party", chromedp.Click("#tpartysave"))
	kin.within(3*time.Second, "told the party changed", `document.getElementById('notice').textContent.includes('人数已改为 2 人') && document.getElementById('tid').textContent === `+jsq(strconv.FormatUint(c.tk.ID, 10))+` && document.getElementById('thh').textContent.includes('2 人')`)
	if tk, _ := d.svc.Ticket(ctx, c.tok); tk.Party != 2 {
		t.Errorf("the third household's party = %d after its ticket's page changed it to 2, want 2", tk.Party)
	}
	// The resident's own state is the top of the page, the QR above the
	// fold of the small phone; the building's times fold away.
	var fold struct {
		State, Window, Site, Ahead, QR float64
		WinsOpen                       bool
	}
	eval(a.phone, `(() => { const r = id => document.getElementById(id).getBoundingClientRect().bottom;
		return {State: r('tstate'), Window: r('twin'), Site: r('tsite'), Ahead: r('tahead'), QR: r('tqr'), WinsOpen: document.getElementById('bwinsbox').open}; })()`, &fold)
	for name, y := range map[string]float64{"status": fold.State, "window": fold.Window, "site": fold.Site, "people ahead": fold.Ahead, "ticket QR": fold.QR} {
		if y <= 0 || y > 640 {
			t.Errorf("360x640 phone: the %s ends at y=%.0f, want above the fold (640)", name, y)
		}
	}
	if fold.WinsOpen {
		t.Errorf("the building's list of windows is open above a booked ticket, want it folded away")
	}
	a.phone.shot("desk-360x640-1-booked")
	b.phone.shot("desk-390x844-1-booked")

	// The tablet (the coordinator's) on the first building's site.
	site := a.tk.Site
	tablet := bd.tab("tablet", 1024, 768, false)
	tablet.staffAt(d.staff, site)

	// The site display, on a TV with a Chinese voice, and one with none.
	openDisplay := func(name string, voices string, site string) *tab {
		t.Helper()
		ds := bd.tab(name, 1024, 768, false)
		ds.beforeEachPage(speechDouble(voices))
		ds.run("open", chromedp.Navigate(bd.base+"/display/"+d.plan.Compound.ID+"/"+site), chromedp.WaitVisible("#token"),
			chromedp.SendKeys("#token", d.marshal+kb.Enter), chromedp.WaitVisible("#board"))
		return ds
	}
	display := openDisplay("display", `[{lang: 'en-US', name: 'en'}, {lang: 'zh-CN', name: 'zh'}]`, site)
	mute := openDisplay("display-no-chinese", `[{lang: 'en-US', name: 'en'}]`, site)

	// Check-in by scanner, all three; then the first scanned again.
	scan := func(p *person) {
		t.Helper()
		tablet.run("clear", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[chromedp.Void](`document.getElementById('result').textContent = ''; document.getElementById('result').className = 'result'`)(ctx, tg)
			return err
		}))
		tablet.run("scan", chromedp.Click("#scan"), chromedp.SendKeys("#scan", p.tk.URL+kb.Enter))
		tablet.within(3*time.Second, "scan answered", `document.getElementById('result').className !== 'result'`)
	}
	for _, p := range ps {
		scan(p)
		tablet.within(time.Second, "checked in", `document.getElementById('result').classList.contains('ok')`)
		p.phone.within(time.Second, "phone shows checked in", `document.querySelector('#ticket[data-state="checked_in"]') !== null`)
	}
	scan(a)
	tablet.within(time.Second, "second scan warns in amber", `(r => r.classList.contains('warn') && r.textContent.includes('已于') && getComputedStyle(r).backgroundColor === 'rgb(255, 244, 214)')(document.getElementById('result'))`)
	a1, _ := d.svc.Ticket(ctx, a.tok)
	if at := a1.CheckedIn.Format("15:04"); !strings.Contains(jsText(tablet, "#result"), at) {
		t.Errorf("second scan says %q, want the check-in time %s", jsText(tablet, "#result"), at)
	}
	tablet.within(2*time.Second, "the line lists all three", `document.querySelectorAll('#linerows tr').length === 3 && document.querySelector('#linerows tr.next').textContent.includes(`+jsq(a.room)+`)`)
	noSideways(tablet, "1024x768 tablet with its line")
	tablet.shot("desk-1024x768-1-line")

	// English on the second phone: one person ahead, "1 person".
	b.phone.run("English", chromedp.Click("#lang"))
	b.phone.within(time.Second, "English status", `document.getElementById('tstate').textContent === 'Your turn soon' && document.getElementById('tahead').textContent === '1 person'`)

	// call presses 叫下一位 and checks that the display shows the called
	// ticket within a second and asks the speech engine to say it.
	saidN := 0
	call := func(p *person, how func()) {
		t.Helper()
		start := time.Now()
		how()
		tablet.within(3*time.Second, "called "+p.room, `document.getElementById('current').textContent.includes(`+jsq(p.room)+`) && document.getElementById('result').classList.contains('ok')`)
		tk, err := d.svc.Ticket(ctx, p.tok)
		if err != nil || tk.State != "called" {
			t.Fatalf("ticket of %s = %+v, %v, want called", p.room, tk, err)
		}
		sel := `#calls li.latest[data-ticket="` + strconv.FormatUint(tk.ID, 10) + `"]`
		display.within(time.Second, "display shows the call of "+p.room, `document.querySelector(`+jsq(sel)+`) !== null`)
		t.Logf("call of %s on the display %v after the tablet's press", p.room, time.Since(start).Round(time.Millisecond))
		bname := ""
		for _, bb := range d.plan.Buildings {
			if bb.ID == tk.Household.Building {
				bname = bb.Name
			}
		}
		want := fmt.Sprintf("请 %s %s 单元 %s 号到 %d 号台采样", bname, tk.Household.Unit, strings.Join(strings.Split(tk.Household.Room, ""), " "), tk.Desk)
		saidN++
		display.within(2*time.Second, "display says the call", fmt.Sprintf(`window.__said.length === %d && window.__said[%d].text === %s && window.__said[%d].lang === 'zh-CN'`, saidN, saidN-1, jsq(want), saidN-1))
		mute.within(2*time.Second, "a display with no Chinese voice chimes", fmt.Sprintf(`window.__said.length === 0 && window.natqDisplay.calls.length === %d && !window.natqDisplay.calls[%d].spoken && window.natqDisplay.chimes >= %d`, saidN, saidN-1, saidN))
		p.phone.within(time.Second, "phone shows the desk", `document.querySelector('#ticket[data-state="called"]') !== null && /1/.test(document.getElementById('tstate').textContent)`)
	}
	press := func(sel string) func() { return func() { tablet.click("press "+sel, sel) } }

	var example string
	eval(display, `window.natqDisplay.say({building_name: '14号楼', unit: '3', room: '047', desk: 2}, 'zh')`, &example)
	if want := "请 14 号楼 3 单元 0 4 7 号到 2 号台采样"; example != want {
		t.Errorf("the display would say %q, want %q", example, want)
	}
	call(a, press("#call"))
	a.phone.shot("desk-360x640-2-called")
	display.shot("desk-display-1024x768-1-called")
	if txt := jsText(a.phone, "#tstate"); txt != "请现在到 1 号台" {
		t.Errorf("called phone says %q, want 请现在到 1 号台", txt)
	}

	// Calling again while she is still called: the desk is asked.
	tablet.click("call again", "#call")
	tablet.within(2*time.Second, "asked what became of the called one", `!document.getElementById('busy').hidden && document.getElementById('busymsg').textContent.includes(`+jsq(a.room)+`)`)
	tablet.within(time.Second, "she is still in the list, called", `[...document.querySelectorAll('#linerows tr.called')].some(tr => tr.textContent.includes(`+jsq(a.room)+`))`)
	tablet.shot("desk-1024x768-2-busy")
	// Missed: the next is called at once (one press).
	call(b, press("#busyMissed"))
	// Her phone says she was called and will be called again: it used to
	// say 'your turn soon, nobody ahead' as if nothing had happened.
	a.phone.within(time.Second, "the missed one is back in line, not lost, and told so", `document.querySelector('#ticket[data-state="checked_in"]') !== null &&
		document.getElementById('tstate').textContent === '刚才叫过您' && document.getElementById('thint').textContent.includes('稍后会再叫您') &&
		document.getElementById('tahead').textContent === '没有人；正在叫的人之后再叫您'`)
	a.phone.shot("desk-360x640-3-missed")
	b.phone.within(time.Second, "English: go to desk 1", `document.getElementById('tstate').textContent === 'Go to desk 1 now'`)
	b.phone.shot("desk-390x844-2-called-english")
	tablet.click("sampled", "#sampledBtn")
	b.phone.within(2*time.Second, "phone shows sampled", `document.querySelector('#ticket[data-state="sampled"]') !== null`)

	// Rain, with two people in line.
	tablet.run("rain switch", chromedp.Click("#rain"), chromedp.Click("#rain"))
	tablet.within(3*time.Second, "switched", `document.body.classList.contains('wet')`)
	tablet.within(2*time.Second, "the tablet lists who in line was moved or kept", `document.querySelectorAll('#movedlist li').length === 2`)
	noSideways(tablet, "1024x768 tablet after the rain switch")
	tablet.shot("desk-1024x768-3-rain")
	for _, p := range []*person{a, c} {
		tk, err := d.svc.Ticket(ctx, p.tok)
		if err != nil || tk.State != "checked_in" || tk.Variant != "wet" || tk.CheckedIn == nil {
			t.Fatalf("after the switch, %s = %+v, %v; want still checked in, on the wet plan", p.room, tk, err)
		}
		p.tk = tk
		p.phone.within(2*time.Second, "phone "+p.room+" still in line at the new site", `document.querySelector('#ticket[data-state="checked_in"]') !== null && document.getElementById('tsite').textContent === `+jsq(tk.SiteName)+` && !document.getElementById('notice').hidden`)
		var hint, note string
		eval(p.phone, `document.getElementById('thint').textContent`, &hint)
		eval(p.phone, `document.getElementById('notice').textContent`, &note)
		if strings.Contains(hint, "时段开始") || !strings.Contains(note, "排队位置保留") {
			t.Errorf("phone %s after the switch: hint %q, notice %q; want them told they keep their place", p.room, hint, note)
		}
	}
	a.phone.shot("desk-360x640-3-rain")
	if tk, _ := d.svc.Ticket(ctx, b.tok); tk.State != "sampled" {
		t.Errorf("the sampled one after the switch = %s, want sampled", tk.State)
	}
	if a.tk.Site != site {
		site = a.tk.Site
		tablet.pickSite(site)
		display.run("follow to the wet site", chromedp.Navigate(bd.base+"/display/"+d.plan.Compound.ID+"/"+site), chromedp.WaitVisible("#board"))
		mute.run("follow to the wet site", chromedp.Navigate(bd.base+"/display/"+d.plan.Compound.ID+"/"+site), chromedp.WaitVisible("#board"))
		saidN = 0
	}
	tablet.within(3*time.Second, "the moved are in the new site's line", `document.querySelectorAll('#linerows tr').length === 2`)

	// The first is called again, missed again: the third is called.
	call(a, press("#call"))
	call(c, press("#noshow"))
	tablet.click("sampled", "#sampledBtn")
	c.phone.within(2*time.Second, "phone shows sampled", `document.querySelector('#ticket[data-state="sampled"]') !== null`)
	// She comes back: called a third time, and sampled.
	call(a, press("#call"))
	// Repeated on demand, in English once the display is switched.
	display.run("English", chromedp.Click("#lang"))
	tablet.click("repeat call", "#repeatBtn")
	tkA, _ := d.svc.Ticket(ctx, a.tok)
	wantEn := fmt.Sprintf("%s, unit %s, room %s, please go to desk %d for sampling.", evilName, tkA.Household.Unit, strings.Join(strings.Split(tkA.Household.Room, ""), " "), tkA.Desk)
	display.within(2*time.Second, "the repeat is said again, in English", fmt.Sprintf(`window.__said.length === %d && window.__said[%d].text === %s && window.__said[%d].lang === 'en-US'`, saidN+1, saidN, jsq(wantEn), saidN))
	tablet.click("sampled", "#sampledBtn")
	a.phone.within(2*time.Second, "phone shows sampled", `document.querySelector('#ticket[data-state="sampled"]') !== null`)
	display.within(2*time.Second, "display empty again", `!document.getElementById('nocall').hidden`)
	display.shot("desk-display-1024x768-2-done")
	for _, p := range ps {
		if tk, err := d.svc.Ticket(ctx, p.tok); err != nil || tk.State != "sampled" {
			t.Errorf("at the end, %s = %+v, %v; want sampled", p.room, tk, err)
		}
	}

	// The tablet and the display at 768x1024: no sideways scrolling.
	portrait := bd.tab("tablet-portrait", 768, 1024, false)
	portrait.run("sign in", chromedp.Navigate(bd.base+"/staff"), chromedp.WaitVisible("#token"),
		chromedp.SendKeys("#token", d.staff+kb.Enter), chromedp.WaitVisible("#app"))
	portrait.within(3*time.Second, "windows shown", `document.querySelectorAll('#wins tr').length > 0`)
	noSideways(portrait, "768x1024 site tab")
	portrait.shot("desk-768x1024-1-site")
	portrait.run("coverage", chromedp.Click("#tab-cov"))
	portrait.within(3*time.Second, "coverage rows", `document.querySelectorAll('#covrows tr').length > 0`)
	noSideways(portrait, "768x1024 coverage tab")
	portrait.shot("desk-768x1024-2-coverage")
	noSideways(tablet, "1024x768 tablet")
	for _, p := range ps {
		noSideways(p.phone, p.phone.name)
	}
	tall := bd.tab("display-portrait", 768, 1024, false)
	tall.run("open", chromedp.Navigate(bd.base+"/display/"+d.plan.Compound.ID+"/"+site), chromedp.WaitVisible("#token"),
		chromedp.SendKeys("#token", d.marshal+kb.Enter), chromedp.WaitVisible("#board"))
	noSideways(tall, "768x1024 display")
	tall.shot("desk-display-768x1024")

	for _, p := range ps {
		if bad := p.fails(); len(bad) > 0 {
			t.Errorf("%s: failed requests %v", p.phone.name, bad)
		}
	}

	// An invalid ticket link: a clear message and the way to the
	// building's page, no raw keys.
	stranger := bd.tab("stranger", 390, 844, true)
	for _, tb := range []*tab{a.phone, stranger} {
		tb.run("open a bad link", chromedp.Navigate(bd.base+"/t/"+d.plan.Compound.ID+".99.xxxx"))
		tb.within(3*time.Second, "told the ticket is not found", `!document.getElementById('lost').hidden && document.getElementById('lostmsg').textContent.length > 10 && document.querySelectorAll('#lostlinks a[href^="/c/"]').length > 0`)
		var raw string
		eval(tb, `[...document.querySelectorAll('[data-t]')].filter(n => n.offsetParent !== null && n.textContent === n.dataset.t).map(n => n.dataset.t).join(',')`, &raw)
		if raw != "" {
			t.Errorf("%s: the invalid ticket page shows raw keys %s", tb.name, raw)
		}
	}
	if href := jsText(a.phone, "#lostlinks a"); !strings.Contains(href, evilName) {
		t.Errorf("a phone that knew its building is led to %q, want back to %s", href, evilName)
	}
	stranger.shot("desk-390x844-3-invalid-ticket")
	a.phone.shot("desk-360x640-4-invalid-ticket")
	for _, tb := range []*tab{a.phone, b.phone, c.phone, tablet, display, stranger} {
		tb.noDialogs()
	}
}

// TestDeskRainMovesInBrowser throws the rain switch on natq serve with the
// c1 fixture, where building b1's site (s1) has no place in the rain plan:
// the two people in its line, one of them called, are moved still in
// line to the wet site, in their order, the tablet lists them as moved
// and each phone says where to go.
func TestDeskRainMovesInBrowser(t *testing.T) {
	e, out, errb := serveEnv(nil)
	e.now = clockAt(queuetest.At(7, 1))
	base := serve(t, e, errb, "--plan", fixture)
	m := regexp.MustCompile(`coordinator token for c1 \(shown once\): (\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no coordinator token in %s", out.String())
	}
	coord := m[1]
	bd := startBrowser(t, base)
	var phones []*tab
	for i, room := range []string{"101", "102"} {
		ph := bd.tab(fmt.Sprintf("phone-%d", i+1), 390, 844, true)
		ph.run("book", chromedp.Navigate(base+"/c/c1/b/b1"), chromedp.WaitVisible("#book"),
			chromedp.SendKeys("#room", room), chromedp.Click("#submit"))
		ph.within(3*time.Second, "ticket shown", `document.querySelector('#ticket[data-state="booked"]') !== null`)
		phones = append(phones, ph)
	}
	tablet := bd.tab("tablet", 1024, 768, false)
	tablet.run("sign in", chromedp.Navigate(base+"/staff"), chromedp.WaitVisible("#token"),
		chromedp.SendKeys("#token", coord+kb.Enter), chromedp.WaitVisible("#app"))
	pick := func(site string) {
		tablet.within(3*time.Second, "site "+site, `[...document.querySelectorAll('#site option')].some(o => o.value === `+jsq(site)+`)`)
		tablet.run("pick "+site, chromedp.SetValue("#site", site), chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](`document.getElementById('site').dispatchEvent(new Event('change'))`)(ctx, tg)
			return err
		}))
		tablet.within(3*time.Second, "line of "+site, `document.querySelectorAll('#desk option').length > 0`)
	}
	pick("s1")
	for _, ph := range phones {
		var url string
		eval(ph, `location.origin + '/t/' + decodeURIComponent(document.getElementById('tqr').getAttribute('src').slice(4, -4))`, &url)
		tablet.run("scan", chromedp.Click("#scan"), chromedp.SendKeys("#scan", url+kb.Enter))
		ph.within(2*time.Second, "checked in", `document.querySelector('#ticket[data-state="checked_in"]') !== null`)
	}
	tablet.run("call", chromedp.Click("#call"))
	phones[0].within(2*time.Second, "called to desk 1", `document.getElementById('tstate').textContent === '请现在到 1 号台'`)
	// s1's display, on a TV at 北广场 that nobody will touch all day.
	display := bd.tab("display-s1", 1024, 768, false)
	display.beforeEachPage(speechDouble(`[{lang: 'zh-CN', name: 'zh'}]`))
	display.run("open", chromedp.Navigate(base+"/display/c1/s1"), chromedp.WaitVisible("#token"),
		chromedp.SendKeys("#token", coord+kb.Enter), chromedp.WaitVisible("#board"))
	display.within(3*time.Second, "the call and the line shown", `document.querySelectorAll('#calls li').length === 1 && !document.getElementById('open').hidden && document.getElementById('closed').hidden`)
	time.Sleep(300 * time.Millisecond) // its stream open
	tablet.run("rain switch", chromedp.Click("#rain"), chromedp.Click("#rain"))
	tablet.within(3*time.Second, "both listed as moved to the wet site", `document.querySelectorAll('#movedlist li.moved').length === 2 && [...document.querySelectorAll('#movedlist li')].every(li => li.textContent.includes('会所门廊') && li.textContent.includes('北广场'))`)
	tablet.shot("desk-rain-moved-1024x768")
	for _, ph := range phones {
		ph.within(2*time.Second, "told to go to the wet site, place kept", `document.querySelector('#ticket[data-state="checked_in"]') !== null && document.getElementById('tsite').textContent === '会所门廊' && document.getElementById('notice').textContent.includes('请现在到 会所门廊') && !document.getElementById('thint').textContent.includes('时段开始')`)
	}
	phones[0].shot("desk-rain-moved-390x844")
	// The display says 北广场 is closed in the rain and where each of its
	// buildings goes, on the screen and aloud, once.
	display.within(3*time.Second, "s1's display says where to go", `!document.getElementById('closed').hidden && document.getElementById('open').hidden && document.getElementById('lower').hidden &&
		document.getElementById('closedmsg').textContent === '雨天方案：本采样点暂停使用' &&
		[...document.querySelectorAll('#closedto li')].map(li => li.textContent).join(' | ') === '请到 会所门廊1号楼 | 请到 地下车库入口4号楼'`)
	display.within(2*time.Second, "and says it", `window.natqDisplay.moves && window.natqDisplay.moves.length === 1 && window.__said.length === 1 &&
		window.__said[0].text === '雨天方案已启用，本采样点暂停使用。1号楼请到会所门廊采样。4号楼请到地下车库入口采样。'`)
	display.shot("desk-rain-display-closed-1024x768")
	// The tablet that was at 北广场 says so too, and shows the site its
	// first building's people went to.
	tablet.within(3*time.Second, "the tablet says where s1's buildings go", `document.getElementById('notice').textContent === '北广场 在雨天方案中暂停使用：1号楼 → 会所门廊；4号楼 → 地下车库入口。本平板已切换到 会所门廊。' && document.getElementById('notice').classList.contains('info') && document.getElementById('site').value === 's2'`)
	tablet.shot("desk-rain-tablet-followed-1024x768")
	display.run("English", chromedp.Click("#lang"))
	display.within(time.Second, "in English too", `document.getElementById('closedmsg').textContent === 'This site is not in use in the wet-weather plan'`)
	pick("s2")
	tablet.within(3*time.Second, "s2's line has both, the called one first", `document.querySelectorAll('#linerows tr').length === 2 && document.querySelector('#linerows tr.next').textContent.includes('101')`)
}
