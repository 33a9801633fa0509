package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestDisplayPairedByCode: the site's TV has a browser and a remote, no
// camera. Opened at its site's address, it shows a six-digit code in large
// type; a reload keeps the code. The marshal's tablet opens 叫号屏, is told
// what is wrong with a code mistyped, then types the TV's code as it
// reads it, with its space, for another site than the TV's address: the
// TV opens that site's board, signed in with a display token of its own
// that works no desk. The code is used once.
func TestDisplayPairedByCode(t *testing.T) {
	bd := startBrowserDemo(t)
	d := bd.d
	var sites []string
	for _, s := range d.plan.Sites {
		if s.Desks > 0 && s.Variant == "dry" {
			sites = append(sites, s.ID)
		}
	}
	if len(sites) < 2 {
		t.Fatalf("the demo plan has %d dry sites with desks, want two", len(sites))
	}
	tvAt, deskAt := sites[1], sites[0]
	c := d.plan.Compound.ID

	tv := bd.tab("tv", 1920, 1080, false)
	tv.run("open the call screen", chromedp.Navigate(bd.base+"/display/"+c+"/"+tvAt), chromedp.WaitVisible("#signin"))
	codeShown := `/^\d{3} \d{3}$/.test(document.getElementById('paircode').textContent)`
	tv.within(5*time.Second, "a pairing code shown", codeShown+` && document.getElementById('pairnote').textContent.includes('前有效')`)
	var shown string
	eval(tv, `document.getElementById('paircode').textContent`, &shown)
	tv.shot("displaypair-1920x1080-tv")
	tv.run("reload", chromedp.Reload(), chromedp.WaitVisible("#signin"))
	tv.within(5*time.Second, "the same code after a reload", `document.getElementById('paircode').textContent === '`+shown+`'`)

	tablet := bd.tab("tablet-pair", 1024, 768, false)
	tablet.staffAt(d.staff, deskAt)
	tablet.click("call screen", "#displayqr")
	tablet.within(3*time.Second, "the pairing form", `!document.getElementById('dqr').hidden && document.activeElement.id === 'paircode' && document.getElementById('dqrbox').hidden`)
	tablet.run("a code one digit short", chromedp.SendKeys("#paircode", shown[:6]), chromedp.Click("#pairform button"))
	tablet.within(3*time.Second, "told a code is 6 digits", `document.getElementById('pairmsg').textContent.includes('6 位数字') && document.getElementById('pairmsg').classList.contains('bad')`)
	wrong := "000 000"
	if strings.ReplaceAll(shown, " ", "") == "000000" {
		wrong = "111 111"
	}
	tablet.run("a code no screen shows", chromedp.SetValue("#paircode", wrong), chromedp.Click("#pairform button"))
	tablet.within(3*time.Second, "told no screen shows it", `document.getElementById('pairmsg').textContent.includes('找不到这个配对码')`)
	tablet.run("the TV's code", chromedp.SetValue("#paircode", shown), chromedp.Click("#pairform button"))
	// Told it is paired, and that the screen was opened for another site
	// (its code may have been read off the wrong screen).
	tvName := tvAt
	for _, s := range d.plan.Sites {
		if s.ID == tvAt && s.Name != "" {
			tvName = s.Name
		}
	}
	tablet.within(3*time.Second, "told it is paired, and the screen's own site", `document.getElementById('pairmsg').textContent.startsWith('已配对：叫号屏 `+deskAt+`') &&
		document.getElementById('pairmsg').textContent.includes('原来打开的是 `+tvName+`') && document.getElementById('pairmsg').classList.contains('ok')`)
	tablet.shot("displaypair-1024x768-tablet")

	tv.acrossLoads(8*time.Second, "the TV on the desk's site, signed in", `location.pathname === '/display/`+c+`/`+deskAt+`' && location.hash === '' &&
		document.getElementById('signin').hidden && !document.getElementById('board').hidden && document.getElementById('sname').textContent !== ''`)
	var token string
	eval(tv, `localStorage.getItem('natq.display.token') || ''`, &token)
	if code, body := call(t, "GET", bd.base+"/api/v1/staff/me", token, ""); code != 200 || !strings.Contains(body, `"role":"display"`) || !strings.Contains(body, "叫号屏 "+deskAt) {
		t.Errorf("whose the TV's token is = %d %s; want the display of %s", code, body, deskAt)
	}
	if code, body := call(t, "POST", bd.base+"/api/v1/sites/"+deskAt+"/calls", token, `{"desk":1}`); code != 403 {
		t.Errorf("a call with the TV's token = %d %s, want 403", code, body)
	}
	tablet.run("the same code again", chromedp.SetValue("#paircode", shown), chromedp.Click("#pairform button"))
	tablet.within(3*time.Second, "told it is used", `document.getElementById('pairmsg').textContent.includes('找不到这个配对码')`)
	tv.noDialogs()
}

// acrossLoads is within for a condition that holds after the page loads
// another address by itself: a poll the navigation cuts off is asked
// again in the new page.
func (tb *tab) acrossLoads(d time.Duration, what, cond string) {
	tb.bd.t.Helper()
	deadline := time.Now().Add(d)
	for {
		ctx, cancel := context.WithTimeout(tb.ctx, time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { try { return !!(`+cond+`); } catch (e) { return false; } })()`))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			state, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`location.href + '\n' + document.body.innerText.slice(0, 600)`))
			tb.bd.t.Fatalf("%s: %s: not within %v (%v); page says:\n%s", tb.name, what, d, err, state)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestDisplayBeforeTheNetwork: the site's TV is switched on at 6 a.m.
// before the site's Wi-Fi is up: its first reads of the line fail. It
// says it is trying again, and shows the board once the service answers,
// by itself: it used to stay on "retrying" until someone reloaded it.
func TestDisplayBeforeTheNetwork(t *testing.T) {
	bd := startBrowserDemo(t)
	d := bd.d
	tv := bd.tab("tv-early", 1280, 720, false)
	tv.beforeEachPage(`(function () {
		const f = window.fetch;
		window.fetch = function (u, o) {
			const n = +(sessionStorage.getItem('failMe') || 0);
			if (n > 0 && /\/line$/.test(String(u))) {
				sessionStorage.setItem('failMe', String(n - 1));
				return Promise.reject(new TypeError('Failed to fetch'));
			}
			return f.apply(this, arguments);
		};
	})();`)
	tv.run("open its link once", chromedp.Navigate(d.displayURL), chromedp.WaitVisible("#board"))
	var ok bool
	eval(tv, `sessionStorage.setItem('failMe', '3'), true`, &ok)
	tv.run("switched on again, the Wi-Fi not up", chromedp.Reload())
	tv.within(3*time.Second, "says it is trying again", `document.getElementById('notice').textContent === '连接中断，正在重试……' && document.getElementById('board').hidden`)
	tv.within(12*time.Second, "the board once the service answers", `!document.getElementById('board').hidden && document.getElementById('notice').hidden && document.getElementById('sname').textContent !== ''`)
	var left string
	eval(tv, `sessionStorage.getItem('failMe')`, &left)
	if left != "0" {
		t.Errorf("%q reads left to fail, want all three failed first", left)
	}
}

// TestDisplayOfNoSuchSite: a call screen opened at a mistyped link says
// there is no such site, and shows no pairing box with no code in it.
func TestDisplayOfNoSuchSite(t *testing.T) {
	bd := startBrowserDemo(t)
	tv := bd.tab("tv-nosuch", 1280, 720, false)
	tv.run("open a site that is not there", chromedp.Navigate(bd.base+"/display/"+bd.d.plan.Compound.ID+"/nosuch"), chromedp.WaitVisible("#signin"))
	tv.within(5*time.Second, "told, with no pairing box", `!document.getElementById('notice').hidden && document.getElementById('notice').textContent === '找不到这个采样点。' &&
		document.getElementById('pair').hidden`)
	tv.shot("display-nosuch")
}
