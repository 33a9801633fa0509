package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"natq/planner/errs"
	"natq/queue"
)

// TestDoorToDoorRecorded: the home-sampling team, on the staff page,
// records a household of a sealed building sampled at home into a pooled
// tube. The form offers the door-to-door buildings first and names them;
// the record shows on the tablet, a second one of the household is
// refused with its time, and the coordinator's coverage counts the
// household tested. Before, nothing could record it: coverage showed a
// sealed building's households missed all day.
func TestDoorToDoorRecorded(t *testing.T) {
	bd := startBrowserDemo(t)
	d := bd.d
	var sealed string
	for _, b := range d.plan.Buildings {
		if b.DoorToDoor[d.plan.Variants[0]] {
			sealed = b.ID
			break
		}
	}
	if sealed == "" {
		t.Fatal("the demo's compound has no building sampled door to door")
	}
	// Its households book no window, and are told why.
	_, _, err := d.svc.Book(context.Background(), d.plan.Compound.ID, queue.Household{Building: sealed, Unit: "1", Room: "302", Party: 1})
	if e := errs.As(err); e == nil || e.Field != "building" || !strings.Contains(e.Message, "上门采样") {
		t.Errorf("booking a household of sealed %s = %v; want told it is sampled door to door", sealed, err)
	}
	tablet := bd.tab("tablet-home", 1024, 768, false)
	tablet.staffAt(d.staff, d.firstSite())
	tablet.run("open 上门采样", chromedp.Click("#homebox summary"), chromedp.WaitVisible("#homer"))
	tablet.within(3*time.Second, "a door-to-door building first, and named", `document.getElementById('homeb').options.length > 0 &&
		document.getElementById('homelist').textContent.startsWith('上门的楼：')`)
	var ok bool
	eval(tablet, `(() => { const b = document.getElementById('homeb'); b.value = '`+sealed+`'; b.dispatchEvent(new Event('change'));
		const u = document.getElementById('homeu'); u.value = u.options[0].value;
		document.getElementById('homep').value = '2'; return b.value === '`+sealed+`'; })()`, &ok)
	if !ok {
		t.Fatalf("building %s is not offered for home sampling", sealed)
	}
	tablet.run("the room and tube", chromedp.SetValue("#homer", "302"), chromedp.SetValue("#homet", "H1"), chromedp.Click("#homego"))
	tablet.within(3*time.Second, "recorded", `document.getElementById('homeres').classList.contains('ok') && document.getElementById('homeres').textContent.includes('302 室 · 2 人') &&
		document.getElementById('homeres').textContent.includes('混管 H1') && document.querySelectorAll('#homedone li').length === 1`)
	tablet.shot("homesample-1024x768")
	tablet.run("the same household again", chromedp.SetValue("#homer", "302"), chromedp.Click("#homego"))
	tablet.within(3*time.Second, "refused with its time", `document.getElementById('homeres').classList.contains('bad') && document.getElementById('homeres').textContent.includes('已采样')`)
	// The door was the wrong one: the record is taken back, and made again.
	eval(tablet, `(() => { window.confirm = () => true; document.querySelector('#homedone li button').click(); return true; })()`, &ok)
	tablet.within(3*time.Second, "taken back", `document.querySelector('#homedone li').classList.contains('undone') && document.getElementById('homeres').textContent.startsWith('已撤销')`)
	tablet.run("recorded again", chromedp.SetValue("#homer", "302"), chromedp.Click("#homego"))
	tablet.within(3*time.Second, "recorded again", `document.getElementById('homeres').classList.contains('ok') && document.querySelectorAll('#homedone li').length === 2`)
	coord, err := d.svc.Authenticate(context.Background(), d.staff)
	if err != nil {
		t.Fatal(err)
	}
	cov, err := d.svc.Coverage(context.Background(), coord, d.plan.Compound.ID)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, b := range cov.Buildings {
		if b.Building == sealed {
			found = true
			if b.SampledHouseholds != 1 || b.Sampled != 2 || !b.DoorToDoor {
				t.Errorf("%s's coverage = %+v; want the household of 2 sampled at home", sealed, b)
			}
		}
	}
	if !found {
		t.Errorf("coverage has no row for %s", sealed)
	}
	tablet.run("the coverage tab", chromedp.Click("#tab-cov"))
	tablet.within(3*time.Second, "the building marked 上门, its household counted", `[...document.querySelectorAll('#covrows tr')].some(r => r.cells[0].textContent.endsWith('（上门）') && r.cells[3].textContent === '2')`)
	tablet.noDialogs()
	// Another of the team, on a phone: the tablet's records are in its
	// list with who made them, and it takes the latest back; the tablet,
	// its list reloaded, shows it taken back by the phone's member.
	mobile := bd.tab("phone-home-list", 390, 844, true)
	mobile.staffAt(d.marshal, d.firstSite())
	mobile.run("open 上门采样", chromedp.Click("#homebox summary"), chromedp.WaitVisible("#homer"))
	mobile.within(3*time.Second, "the tablet's two records, by their recorder", `document.querySelectorAll('#homedone li').length === 2 &&
		document.getElementById('homesum').textContent.startsWith('本轮已上门采样 1 户、2 人') &&
		document.querySelector('#homedone li').textContent.includes('demo coordinator') && !document.querySelector('#homedone li').classList.contains('undone')`)
	eval(mobile, `(() => { window.confirm = () => true; document.querySelector('#homedone li button').click(); return true; })()`, &ok)
	mobile.within(3*time.Second, "taken back from the phone", `document.getElementById('homesum').textContent.startsWith('本轮已上门采样 0 户、0 人') &&
		[...document.querySelectorAll('#homedone li')].every(li => li.classList.contains('undone'))`)
	mobile.shot("homesample-list-390x844-phone")
	mobile.noDialogs()
	tablet.run("back to the site, reload the list", chromedp.Click("#tab-site"), chromedp.Click("#homereload"))
	tablet.within(3*time.Second, "taken back by the phone's member", `document.querySelector('#homedone li').classList.contains('undone') &&
		document.querySelector('#homedone li').textContent.includes('已撤销（demo marshal）')`)
	// A resident of an ordinary building who cannot walk, booked and then
	// sampled at home: the household's phone, open on its ticket, says so
	// at once.
	m, err := d.svc.Authenticate(context.Background(), d.marshal)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := bd.bookRoom("1205", nil)
	listening := d.svc.Listeners()
	phone := bd.tab("phone-home", 390, 844, true)
	phone.run("the ticket page", chromedp.Navigate(bd.base+"/t/"+b.Ticket), chromedp.WaitVisible("#ticket"))
	phone.within(3*time.Second, "booked", `document.getElementById('ticket').getAttribute('data-state') === 'booked'`)
	for deadline := time.Now().Add(3 * time.Second); d.svc.Listeners() <= listening; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the phone's stream did not open")
		}
	}
	if _, err := d.svc.SampledAtHome(context.Background(), m, d.plan.Compound.ID, b.Household, ""); err != nil {
		t.Fatal(err)
	}
	phone.within(5*time.Second, "sampled at home", `document.getElementById('tstate').textContent === '已采样，谢谢配合！' &&
		document.getElementById('thint').textContent === '已由上门采样人员在家中采样。' && document.getElementById('tsite').textContent === '上门采样' &&
		document.getElementById('tqr').hidden`)
	phone.shot("homesample-390x844-phone")
	// Recorded by mistake and taken back: her booking comes back, and the
	// phone, still open, says at once that she is booked at her site
	// again, with her code to show there (it said she was sampled at
	// home, and the household would have stayed in).
	undone, err := d.svc.UndoHomeSample(context.Background(), m, b.Ticket)
	if err != nil || undone.State != "booked" || undone.Site != b.Site || !undone.Window.Start.Equal(b.Window.Start) {
		t.Fatalf("UndoHomeSample(1205) = %+v, %v; want booked again at %s %v", undone, err, b.Site, b.Window.Start)
	}
	phone.within(5*time.Second, "booked again", `document.getElementById('ticket').getAttribute('data-state') === 'booked' &&
		!document.getElementById('tstate').textContent.includes('已采样') && !document.getElementById('thint').textContent.includes('在家中采样') &&
		!document.getElementById('tqr').hidden`)
	phone.shot("homesample-undone-390x844-phone")
	phone.noDialogs()
	// The tablet's list says the record was taken back and the booking
	// given again.
	tablet.run("reload the list", chromedp.Click("#homereload"))
	tablet.within(3*time.Second, "1205 taken back, its booking back", `[...document.querySelectorAll('#homedone li')].some(li =>
		li.classList.contains('undone') && li.textContent.includes('1205') && li.textContent.includes('原预约已恢复'))`)
	tablet.shot("homesample-restored-1024x768")
}

// TestStaffPhoneFitsInEnglish: the door-to-door team carries a phone. The
// staff page at 390 px, both household forms open, in English (its
// headings are longer than the Chinese), is no wider than the phone: a
// wide table scrolls in its card. It was 439 px wide, the page sliding
// sideways under the thumb.
func TestStaffPhoneFitsInEnglish(t *testing.T) {
	bd := startBrowserDemo(t)
	ph := bd.tab("phone-staff-en", 390, 844, true)
	ph.staffAt(bd.d.marshal, bd.d.firstSite())
	ph.run("open the forms", chromedp.Click("#homebox summary"), chromedp.WaitVisible("#homer"), chromedp.Click("#hhbox summary"), chromedp.WaitVisible("#hhr"))
	ph.run("English", chromedp.Click("#lang"))
	ph.within(3*time.Second, "in English, no wider than the phone", `document.getElementById('call').textContent === 'Call next' &&
		document.documentElement.scrollWidth <= 390`)
	ph.shot("staff-390x844-english")
}
