package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"natq/queue"
)

// TestStudentsPeriodOnPhone: the plan opens a students' period after
// school. A parent books the household on their phone, then, from its
// ticket, the household's child for the students' period: a ticket of its
// own, in a students' window of the building's site, the phone keeping
// both and leading from each to the other. Before, the period was in the
// plan and on the printed schedule, and no one could book it.
func TestStudentsPeriodOnPhone(t *testing.T) {
	bd := startBrowserDemo(t)
	d := bd.d
	building := d.firstBuilding()
	ph := bd.tab("phone-students", 390, 844, true)
	fails := failures(ph)
	ph.run("open", chromedp.Navigate(bd.base+d.residentPath(building)), chromedp.WaitVisible("#book"))
	ph.within(3*time.Second, "the students' period offered", `!document.getElementById('studentsl').hidden &&
		document.getElementById('studentst').textContent.startsWith('只为家里的学生预约学生专场（放学后 16:')`)
	ph.run("book the household", chromedp.SetValue("#unit", "1"), chromedp.SendKeys("#room", "1203"), chromedp.Click("#plus"), chromedp.Click("#submit"))
	ph.within(3*time.Second, "the household's ticket, the students offered", `document.querySelector('#ticket[data-state="booked"]') &&
		!document.getElementById('twin').textContent.startsWith('学生专场') && !document.getElementById('otherbook').hidden &&
		document.getElementById('otherbook').textContent.startsWith('为家里的学生另约学生专场')`)
	var household string
	eval(ph, `decodeURIComponent(document.getElementById('tqr').getAttribute('src').slice(4, -4))`, &household)
	var ok bool
	ph.run("book the students", chromedp.Click("#otherbook"))
	ph.within(3*time.Second, "the form for the students", `!document.getElementById('book').hidden && document.getElementById('students').checked &&
		document.getElementById('students').disabled && document.getElementById('room').value === '1203' &&
		document.getElementById('partyl').textContent === '来采样的学生人数'`)
	ph.shot("students-form-390x844")
	ph.run("book", chromedp.Click("#submit"))
	ph.within(3*time.Second, "the students' ticket, linked to the household's", `document.getElementById('twin').textContent.startsWith('学生专场 16:') &&
		document.getElementById('book').hidden && !document.getElementById('otherlink').hidden &&
		document.getElementById('otherlink').textContent === '本户其他人的票 →' && document.getElementById('otherlink').getAttribute('href') === '/t/' + encodeURIComponent(`+jsq(household)+`)`)
	ph.shot("students-ticket-390x844")
	var students string
	eval(ph, `decodeURIComponent(document.getElementById('tqr').getAttribute('src').slice(4, -4))`, &students)
	ctx := context.Background()
	tk, err := d.svc.Ticket(ctx, students)
	if err != nil || !tk.Students || tk.Party != 1 || tk.Household.Room != "1203" || students == household {
		t.Fatalf("the students' ticket = %+v, %v; want room 1203's one student, its own ticket", tk, err)
	}
	var win *queue.Window
	for i := range d.plan.Windows {
		if w := &d.plan.Windows[i]; w.Index == tk.WindowIdx {
			win = w
		}
	}
	if win == nil || !win.Students || win.Site != tk.Site {
		t.Errorf("the students' ticket is in window %d (%+v); want a students' period window", tk.WindowIdx, win)
	}
	if hh, err := d.svc.Ticket(ctx, household); err != nil || hh.Students || hh.Party != 2 {
		t.Errorf("the household's ticket = %+v, %v; want 2, not the students'", hh, err)
	}
	var href string
	eval(ph, `document.getElementById('otherlink').getAttribute('href')`, &href)
	ph.run("to the household's ticket", chromedp.Navigate(bd.base+href), chromedp.WaitVisible("#ticket"))
	ph.within(3*time.Second, "the household's ticket, linked to the students'", `!document.getElementById('twin').textContent.startsWith('学生专场') &&
		document.getElementById('otherlink').textContent === '本户学生专场的票 →' && document.getElementById('otherbook').hidden`)
	ph.run("English", chromedp.Click("#lang"))
	ph.within(3*time.Second, "in English", `document.getElementById('otherlink').textContent === "The household's students' ticket →"`)
	ph.shot("students-household-ticket-390x844-en")
	ph.run("Chinese", chromedp.Click("#lang"))
	// The building's page opens on the household's ticket.
	ph.run("the building's page", chromedp.Navigate(bd.base+d.residentPath(building)), chromedp.WaitVisible("#ticket"))
	ph.within(3*time.Second, "the household's ticket", `document.getElementById('thh').textContent.includes('1203') && !document.getElementById('twin').textContent.startsWith('学生专场')`)
	// The child cannot come after all: its ticket is cancelled from its
	// page, and the household's offers the period again.
	ph.run("the students' ticket", chromedp.Navigate(bd.base+"/t/"+students))
	ph.within(3*time.Second, "its page", `!document.getElementById("ticket").hidden && !document.getElementById("cancel").hidden`)
	eval(ph, `(() => { window.confirm = () => true; document.getElementById('cancel').click(); return true; })()`, &ok)
	ph.within(3*time.Second, "cancelled, the form back", `!document.getElementById('book').hidden`)
	if tk, err := d.svc.Ticket(ctx, students); err != nil || tk.State != "cancelled" {
		t.Errorf("the students' ticket after the cancel = %+v, %v; want cancelled", tk, err)
	}
	ph.run("the household's ticket", chromedp.Navigate(bd.base+"/t/"+household), chromedp.WaitVisible("#ticket"))
	ph.within(3*time.Second, "the period offered again", `document.getElementById('otherlink').hidden && !document.getElementById('otherbook').hidden`)
	if f := fails(); len(f) > 0 {
		t.Errorf("the phone's failures: %s", strings.Join(f, "; "))
	}
}

// TestStudentsPeriodAtTheDesk: at 16:35, in the students' period, the
// tablet lists the period's students as due (not a raw group id), and a
// student without a code is found at the desk as a student; without the
// box ticked, the household has no window left today and is told so.
func TestStudentsPeriodAtTheDesk(t *testing.T) {
	// The demo's day (yearOn's), its clock at 16:35 rather than at the
	// first window.
	afternoon := clockAt(yearOn.Add(11*time.Hour + 5*time.Minute))
	bd := startBrowserDemo(t, func(c *demoConfig) { c.clock = afternoon })
	d := bd.d
	ctx := context.Background()
	first := d.firstBuilding()
	b, _, err := d.svc.Book(ctx, d.plan.Compound.ID, queue.Household{Building: first, Unit: "1", Room: "1203", Party: 1, Students: true})
	if err != nil || b.Window.Start.Format("15:04") != "16:30" {
		t.Fatalf("1203's student at 16:35 = %+v, %v; want the 16:30 students' window, still open", b, err)
	}
	tablet := bd.tab("tablet-students", 1024, 768, false)
	tablet.staffAt(d.marshal, b.Site)
	tablet.within(3*time.Second, "the period's students due", `[...document.querySelectorAll('#due li')].some(li => li.textContent.startsWith('16:30 · 学生专场 · '))`)
	tablet.run("open the household form", chromedp.Click("#hhbox summary"), chromedp.WaitVisible("#hhr"))
	tablet.within(3*time.Second, "a box for a student", `!document.getElementById('hhsl').hidden`)
	var ok bool
	eval(tablet, `(() => { const b = document.getElementById('hhb'); b.value = `+jsq(first)+`; b.dispatchEvent(new Event('change'));
		document.getElementById('hhu').value = '1'; document.getElementById('hhs').checked = true; return true; })()`, &ok)
	tablet.run("the room", chromedp.SetValue("#hhr", "1203"), chromedp.Click("#hhgo"))
	tablet.within(3*time.Second, "the student's ticket found, and asked", `!document.getElementById('byno').hidden &&
		document.getElementById('bynomsg').textContent.includes('1203 室 · 1 人') && document.getElementById('bynomsg').textContent.includes('学生专场')`)
	tablet.shot("students-desk-1024x768")
	tablet.click("that is them", "#bynoYes")
	tablet.within(3*time.Second, "checked in", `document.getElementById('result').classList.contains('ok') && document.getElementById('result').textContent.includes('学生专场')`)
	if tv, err := d.svc.Ticket(ctx, b.Ticket); err != nil || tv.State != "checked_in" {
		t.Errorf("the student's ticket = %+v, %v; want checked in", tv, err)
	}
	eval(tablet, `(() => { document.getElementById('hhs').checked = false; return true; })()`, &ok)
	tablet.run("the rest of the household", chromedp.SetValue("#hhr", "1203"), chromedp.Click("#hhgo"))
	tablet.within(3*time.Second, "no window left today", `document.getElementById('byno').hidden && document.getElementById('result').classList.contains('bad')`)
	// The coordinator's coverage lists the student, not yet sampled, as a student.
	coord := bd.tab("tablet-students-coord", 1024, 768, false)
	coord.staffAt(d.staff, b.Site)
	coord.run("the coverage tab", chromedp.Click("#tab-cov"))
	coord.within(3*time.Second, "the student not sampled", `[...document.querySelectorAll('#notrows tr')].some(tr => tr.cells[2].textContent === '1203 · 学生专场')`)
	tablet.noDialogs()
}

// TestStudentsTicketKeptWhereFiled: a students' ticket the rain switch had
// to put into the main day's windows (the wet students' windows full)
// reads as an ordinary ticket; opened on the phone, it must stay filed as
// the students', not take the place of the household's own ticket, and
// lead to that ticket as a students' ticket does.
func TestStudentsTicketKeptWhereFiled(t *testing.T) {
	bd := startBrowserDemo(t)
	d := bd.d
	household, _ := bd.bookRoom("1203", nil)
	moved, _ := bd.bookRoom("1204", nil) // as the students' ticket reads once in the main day
	building := d.firstBuilding()
	ph := bd.tab("phone-students-filed", 390, 844, true)
	ph.run("open", chromedp.Navigate(bd.base+d.residentPath(building)), chromedp.WaitVisible("#book"))
	key := "natq.ticket." + d.plan.Compound.ID + "." + building
	var ok bool
	eval(ph, `(() => { localStorage.setItem(`+jsq(key)+`, `+jsq(household.Ticket)+`); localStorage.setItem(`+jsq(key+".students")+`, `+jsq(moved.Ticket)+`); return true; })()`, &ok)
	ph.run("the students' ticket", chromedp.Navigate(bd.base+"/t/"+moved.Ticket))
	ph.within(3*time.Second, "shown", `document.getElementById('thh').textContent.includes('1204')`)
	// It leads to the household's own ticket, as a students' ticket does;
	// it used to offer to book the students, which gave back this ticket.
	ph.within(3*time.Second, "the link to the household's ticket", `!document.getElementById('otherlink').hidden &&
		document.getElementById('otherlink').textContent === '本户其他人的票 →' &&
		document.getElementById('otherlink').getAttribute('href') === '/t/' + encodeURIComponent(`+jsq(household.Ticket)+`) &&
		document.getElementById('otherbook').hidden`)
	// Checked in while the phone is out of sight; shown again, the page
	// reads the ticket afresh and files what it read.
	var ok2 bool
	eval(ph, `(() => { Object.defineProperty(document, 'hidden', {configurable: true, get: () => true});
		document.dispatchEvent(new Event('visibilitychange')); return true; })()`, &ok2)
	if _, err := d.svc.CheckIn(context.Background(), bd.deskOf(), moved.Site, moved.Ticket); err != nil {
		t.Fatal(err)
	}
	eval(ph, `(() => { Object.defineProperty(document, 'hidden', {configurable: true, get: () => false});
		document.dispatchEvent(new Event('visibilitychange')); return true; })()`, &ok2)
	ph.within(5*time.Second, "read again", `document.getElementById('ticket').getAttribute('data-state') === 'checked_in' &&
		performance.getEntriesByType('resource').filter(e => /\/api\/v1\/tickets\/[^/]+$/.test(e.name)).length >= 2`)
	time.Sleep(300 * time.Millisecond) // the read's answer is filed after its timing entry
	var filed string
	eval(ph, `localStorage.getItem(`+jsq(key)+`) + ' ' + localStorage.getItem(`+jsq(key+".students")+`)`, &filed)
	if want := household.Ticket + " " + moved.Ticket; filed != want {
		t.Errorf("the phone files %q; want the household's ticket and the students' kept apart, %q", filed, want)
	}
}
