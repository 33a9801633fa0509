package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestDisplayFromTabletQR: the site's spare tablet becomes its call
// screen without a staff token typed on it. The coordinator's tablet
// shows a QR code of the display's link (its own token, which shows calls
// only); the code scans (zbarimg) to the link shown under it; the spare
// tablet opens it and shows the board, the token gone from its address.
// The display's token works no desk; the staff page refuses it; the
// coordinator's tablet that opens the link stays the coordinator's.
func TestDisplayFromTabletQR(t *testing.T) {
	bd := startBrowserDemo(t)
	d := bd.d
	site := d.plan.Sites[0].ID
	for _, s := range d.plan.Sites {
		if s.Desks > 0 && s.Variant == "dry" {
			site = s.ID
			break
		}
	}
	tablet := bd.tab("tablet-qr", 1024, 768, false)
	tablet.staffAt(d.staff, site)
	tablet.click("call screen", "#displayqr")
	tablet.click("show a QR code", "#dqrshow")
	tablet.within(3*time.Second, "the QR code shown", `!document.getElementById('dqrbox').hidden && (i => i.complete && i.naturalWidth > 0)(document.getElementById('dqrimg')) &&
		document.getElementById('dqrlink').textContent.includes('/display/`+d.plan.Compound.ID+`/`+site+`#t=`+d.plan.Compound.ID+`.')`)
	link := jsText(tablet, "#dqrlink")
	tablet.shot("displayqr-1024x768-tablet")
	png := tablet.bd.shots + "/displayqr-1024x768-tablet.png"
	if got := strings.TrimSpace(run1(t, "zbarimg", "-q", "--raw", "-Sdisable", "-Sqrcode.enable", png)); got != link {
		t.Errorf("the QR code on the tablet reads %q, want the link under it %q", got, link)
	}
	token := link[strings.Index(link, "#t=")+3:]

	tv := bd.tab("spare-tablet", 1280, 800, false)
	tv.run("open the scanned link", chromedp.Navigate(link), chromedp.WaitVisible("#board"))
	var hash, kept string
	eval(tv, `location.hash`, &hash)
	eval(tv, `localStorage.getItem('natq.display.token') || ''`, &kept)
	if hash != "" || kept != token {
		t.Errorf("the display's address keeps %q and it kept the token %q; want the token off the address and kept", hash, kept)
	}
	tv.within(3*time.Second, "the board, signed in", `document.getElementById('signin').hidden && document.getElementById('sname').textContent !== ''`)
	// The token shows calls, and works no desk.
	if code, body := call(t, "POST", bd.base+"/api/v1/sites/"+site+"/calls", token, `{"desk":1}`); code != 403 {
		t.Errorf("a call with the display's token = %d %s, want 403", code, body)
	}
	// The coordinator's tablet opening the link stays the coordinator's.
	tablet.run("open the link on the tablet", chromedp.Navigate(link), chromedp.WaitVisible("#board"))
	tablet.run("back to the desk", chromedp.Navigate(bd.base+"/staff"), chromedp.WaitVisible("#app"))
	tablet.within(3*time.Second, "still the coordinator", `!document.getElementById('tab-cov').hidden`)
	// The staff page refuses the display's token, saying what it is.
	other := bd.tab("staff-with-display-token", 1024, 768, false)
	other.run("sign in with it", chromedp.Navigate(bd.base+"/staff"), chromedp.WaitVisible("#token"), chromedp.SendKeys("#token", token+kb.Enter))
	other.within(3*time.Second, "told it is a call screen's", `!document.getElementById('serr').hidden && document.getElementById('serr').textContent.startsWith('这是叫号屏的凭证') && document.getElementById('app').hidden`)
	// The spare tablet goes missing: the coordinator finds its token among
	// the staff tokens, as a call screen's, and revokes it; the screen's
	// next read is refused and it asks to be signed in again.
	tablet.run("coverage", chromedp.Click("#tab-cov"))
	row := `[...document.querySelectorAll('#staffrows tr')].find(r => r.textContent.includes('叫号屏 ` + site + `') && [...r.cells].some(c => c.textContent === '叫号屏'))`
	tablet.within(3*time.Second, "the call screen's token listed", row+` !== undefined`)
	var ok bool
	eval(tablet, `(() => { window.confirm = () => true; `+row+`.querySelector('button').click(); return true; })()`, &ok)
	tablet.within(3*time.Second, "told it was revoked", `document.getElementById('notice').textContent.includes('已撤销 叫号屏 `+site+`')`)
	tv.within(15*time.Second, "the revoked screen asks to be signed in", `!document.getElementById('signin').hidden`)
	tv.noDialogs()
}

// TestStaffSignInKeptWhileAway: a tablet opened on a Wi-Fi not yet up
// (its first reads fail) keeps its sign-in, says it is trying again, and
// signs in once the service answers: it used to drop the token and ask
// for it to be typed again.
func TestStaffSignInKeptWhileAway(t *testing.T) {
	bd := startBrowserDemo(t)
	d := bd.d
	tb := bd.tab("tablet-early", 1024, 768, false)
	tb.beforeEachPage(`(function () {
		const f = window.fetch;
		window.fetch = function (u, o) {
			const n = +(sessionStorage.getItem('failMe') || 0);
			if (n > 0 && /\/api\/v1\/staff\/me$/.test(String(u))) {
				sessionStorage.setItem('failMe', String(n - 1));
				return Promise.reject(new TypeError('Failed to fetch'));
			}
			return f.apply(this, arguments);
		};
	})();`)
	tb.run("sign in", chromedp.Navigate(bd.base+"/staff"), chromedp.WaitVisible("#token"), chromedp.SendKeys("#token", d.marshal+kb.Enter), chromedp.WaitVisible("#app"))
	var ok bool
	eval(tb, `sessionStorage.setItem('failMe', '2'), true`, &ok)
	tb.run("open it again, offline", chromedp.Reload())
	tb.within(3*time.Second, "says it is trying again", `document.getElementById('notice').textContent === '暂时连不上服务，正在重试……' && document.getElementById('signin').hidden`)
	tb.within(12*time.Second, "signed in once the service answers", `!document.getElementById('app').hidden && document.getElementById('notice').hidden && localStorage.getItem('natq.staff.token') === `+jsq(d.marshal))
	var left string
	eval(tb, `sessionStorage.getItem('failMe')`, &left)
	if left != "0" {
		t.Errorf("%q sign-in reads left to fail, want both failed first", left)
	}
}
