package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"natq/queue"
)

// TestRevokeOnTablet: a marshal's tablet is lost at 7:30; the coordinator
// opens the coverage tab, finds the marshal in the staff tokens and
// revokes them; the marshal's token is refused from then on, and the
// coordinator's own still works.
func TestRevokeOnTablet(t *testing.T) {
	bd := startBrowserDemo(t)
	d := bd.d
	ctx := context.Background()
	if _, err := d.svc.Authenticate(ctx, d.marshal); err != nil {
		t.Fatalf("the marshal's token before the revocation: %v", err)
	}
	tablet := bd.tab("revoke-tablet", 1024, 768, false)
	tablet.run("sign in", chromedp.Navigate(bd.base+"/staff"), chromedp.WaitVisible("#token"),
		chromedp.SendKeys("#token", d.staff+kb.Enter), chromedp.WaitVisible("#app"))
	tablet.run("coverage", chromedp.Click("#tab-cov"))
	tablet.within(3*time.Second, "the marshal listed", `[...document.querySelectorAll('#staffrows tr')].some(r => r.textContent.includes('demo marshal'))`)
	var ok bool
	eval(tablet, `(() => { window.confirm = () => true; // the coordinator says yes
		[...document.querySelectorAll('#staffrows tr')].find(r => r.textContent.includes('demo marshal')).querySelector('button').click(); return true; })()`, &ok)
	tablet.within(3*time.Second, "told it was revoked", `document.getElementById('notice').textContent.includes('已撤销 demo marshal')`)
	tablet.shot("revoked")
	if _, err := d.svc.Authenticate(ctx, d.marshal); !errors.Is(err, queue.ErrUnauthorized) {
		t.Errorf("the marshal's token after the revocation: %v, want unauthorized", err)
	}
	if _, err := d.svc.Authenticate(ctx, d.staff); err != nil {
		t.Errorf("the coordinator's own token after revoking the marshal: %v", err)
	}
}
