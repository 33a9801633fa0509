package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"natq/planner/planfile"
	"natq/planner/sheets"
	"natq/planner/ticketcsv"
	"natq/queue"
)

// TestCoordinatorPrintsCards: the coordinator, on the tablet's coverage
// tab, makes ticket cards for residents without phones. One household
// comes from the not-sampled list (加入), two are typed as people write
// them ("14栋", "１４号楼", a name, a child for the students' period); a
// typed building that does not exist and a room the service refuses are
// named by the line the coordinator typed. The page books the households
// and opens one PDF whose QR codes are those tickets'; making the cards
// again prints the same tickets and books nothing new. Before, the cards
// took curl and natq print on a laptop.
func TestCoordinatorPrintsCards(t *testing.T) {
	bd := startBrowserDemo(t)
	d := bd.d
	ctx := context.Background()
	// A household of the first building (named like a script) booked on a
	// phone, not sampled: the not-sampled list offers it.
	booked, _ := bd.bookRoom("1205", nil)
	// A building whose name is a number, as most are, with a students'
	// window: the coordinator types its number.
	b, n := numberedBuilding(t, d)
	wide := strings.Map(func(r rune) rune { return r - '0' + '０' }, n) // "１４", as a Chinese keyboard types it

	tablet := bd.tab("tablet-cards", 1024, 768, false)
	tablet.staffAt(d.staff, d.firstSite())
	tablet.run("the coverage tab", chromedp.Click("#tab-cov"))
	tablet.within(5*time.Second, "the phone's household not sampled, with 加入", `[...document.querySelectorAll('#notrows tr')].some(r => r.cells[2].textContent === '1205' && r.querySelector('button.add'))`)
	tablet.within(3*time.Second, "the first round has none to compare", `document.getElementById('missednote').textContent === '这是本小区的第一轮，没有上一轮可比。'`)
	var ok bool
	eval(tablet, `(() => { const r = [...document.querySelectorAll('#notrows tr')].find(r => r.cells[2].textContent === '1205'); r.querySelector('button.add').click(); return true; })()`, &ok)
	tablet.within(3*time.Second, "added to the list", `document.getElementById('cardrows').value === '`+evilName+`,1,1205,1\n' &&
		document.getElementById('cardmsg').textContent.startsWith('已加入票卡名单')`)

	// More cards than one print makes: refused before any is booked.
	eval(tablet, `(() => { const ta = document.getElementById('cardrows'), was = ta.value; ta.value = (was + '\n').repeat(501);
		document.getElementById('cardgo').click(); ta.value = was; return true; })()`, &ok)
	tablet.within(3*time.Second, "501 refused", `document.getElementById('cardmsg').textContent === '这里有 501 户：一次最多打印 500 张票卡，请分批（还没有预约）。'`)
	// A building that is not there: said by its line, nothing booked.
	typed := "999栋 1 101 1\n"
	eval(tablet, `(() => { const ta = document.getElementById('cardrows'); ta.value += `+jsString(typed)+`; document.getElementById('cardgo').click(); return true; })()`, &ok)
	tablet.within(3*time.Second, "line 2 names the building", `document.getElementById('cardmsg').classList.contains('bad') && document.getElementById('cardmsg').textContent === '第 2 行：本小区没有“999栋”这栋楼。'`)
	// A unit the building does not have: the service refuses, and the
	// page names the coordinator's line, not the CSV's row.
	eval(tablet, `(() => { const ta = document.getElementById('cardrows'); ta.value = ta.value.replace('999栋 1 101 1', '`+n+`栋 99 502 2 王秀英'); document.getElementById('cardgo').click(); return true; })()`, &ok)
	tablet.within(5*time.Second, "line 2's unit refused", `document.getElementById('cardmsg').classList.contains('bad') && document.getElementById('cardmsg').textContent.startsWith('第 2 行“`+n+`栋 99 502 2 王秀英”：') &&
		document.getElementById('cardpdf').hidden && document.getElementById('cardtable').hidden && !document.getElementById('cardgo').disabled`)
	eval(tablet, `(() => { const ta = document.getElementById('cardrows'); ta.value = ta.value.replace('`+n+`栋 99 502', '`+n+`栋 1 502') + '`+wide+`号楼 1 502 1 王小明 学生\n'; document.getElementById('cardgo').click(); return true; })()`, &ok)
	tablet.within(10*time.Second, "three booked, their cards ready", `!document.getElementById('cardpdf').hidden && document.getElementById('cardpdf').textContent === '打开票卡（3 张）' &&
		document.getElementById('cardmsg').classList.contains('ok') && document.querySelectorAll('#cardres tr').length === 3`)
	var table string
	eval(tablet, `[...document.querySelectorAll('#cardres tr')].map(r => [...r.cells].map(c => c.textContent).join(' | ')).join('\n')`, &table)
	rows := strings.Split(table, "\n")
	t.Logf("the cards' table:\n%s", strings.Join(rows, "\n"))
	// The refused tries booked nothing: the phone's ticket is 票 1, the
	// two new ones 2 and 3. The first building's name (a script) is text.
	if len(rows) != 3 || !strings.Contains(rows[0], evilName) || !strings.Contains(rows[0], "票 1 （已有的票）") ||
		!strings.Contains(rows[1], "王秀英") || !strings.Contains(rows[1], "票 2 |") ||
		!strings.Contains(rows[2], "学生") || !strings.Contains(rows[2], "票 3 |") || !strings.Contains(rows[2], "16:") {
		t.Errorf("the cards' table = %q; want the phone's ticket 1 kept, 王秀英 booked as 2, the child as 3 in the students' period", rows)
	}
	// The coverage above counts them: 王秀英's household, not sampled.
	tablet.within(3*time.Second, "coverage counts the new tickets", `[...document.querySelectorAll('#notrows tr')].some(r => r.cells[0].textContent === '`+b.Name+`' && r.cells[2].textContent === '502' && r.cells[3].textContent === '2')`)
	tablet.shot("staff-cards-1024x768")
	tablet.noDialogs()
	// In English on the coordinator's phone, the card fits the screen.
	ph := bd.tab("phone-cards-en", 390, 844, true)
	ph.staffAt(d.staff, d.firstSite())
	ph.run("the coverage tab in English", chromedp.Click("#lang"), chromedp.Click("#tab-cov"))
	ph.within(5*time.Second, "the cards' card, no wider than the phone", `document.getElementById('cardgo').textContent === 'Book and make the cards' &&
		document.querySelector('#notrows button.add') && document.documentElement.scrollWidth <= 390`)
	ph.shot("staff-cards-390x844-english")

	// The link downloads the PDF, as the tablet saves it for the printer:
	// its QR codes are the three tickets'.
	path := tablet.download("open the cards", "#cardpdf", "tickets-"+d.plan.Compound.ID+".pdf")
	if b, _ := os.ReadFile(path); !strings.HasPrefix(string(b), "%PDF") {
		t.Fatalf("the cards link saved %d bytes, not a PDF: %.80q", len(b), b)
	}
	dir := filepath.Dir(path)
	text := strings.Join(strings.Fields(run1(t, "pdftotext", path, "-")), "")
	for _, want := range []string{"王秀英", "王小明", "学生专场", "1205室"} {
		if !strings.Contains(text, want) {
			t.Errorf("the cards lack %q: %s", want, text)
		}
	}
	run1(t, "pdftoppm", "-r", "150", "-png", path, filepath.Join(dir, "cards"))
	codes := strings.Fields(run1(t, "zbarimg", "-q", "--raw", "-Sdisable", "-Sqrcode.enable", filepath.Join(dir, "cards-1.png")))
	sort.Strings(codes)
	want := []string{booked.URL}
	for _, h := range []queue.Household{{Building: b.ID, Unit: "1", Room: "502", Party: 2}, {Building: b.ID, Unit: "1", Room: "502", Party: 1, Students: true}} {
		bk, created, err := d.svc.Book(ctx, d.plan.Compound.ID, h)
		if err != nil || created {
			t.Fatalf("%+v, booked again = created %v, %v; want the card's ticket found", h, created, err)
		}
		want = append(want, bk.URL)
	}
	sort.Strings(want)
	if fmt.Sprint(codes) != fmt.Sprint(want) {
		t.Errorf("the cards' QR codes read %q, want the three tickets' %q", codes, want)
	}

	// The printer jammed: the same list again prints the same tickets;
	// a household in it twice is one card.
	eval(tablet, `(() => { const ta = document.getElementById('cardrows'); ta.value += '`+n+`栋 1 502 2\n'; document.getElementById('cardgo').click(); return true; })()`, &ok)
	tablet.within(10*time.Second, "the same three, kept", `!document.getElementById('cardpdf').hidden && document.getElementById('cardpdf').textContent === '打开票卡（3 张）' && document.querySelectorAll('#cardres tr').length === 4 &&
		[...document.querySelectorAll('#cardres tr')].every(r => r.cells[2].textContent.includes('（已有的票）'))`)
	tablet.noDialogs()
}

// jsString is s as a JavaScript string literal.
func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`).Replace(s) + "'"
}

// TestCardsWithoutAFont: an instance on a machine with no Chinese font
// cannot print cards. The coordinator's page books the households all the
// same, says why there is no PDF, and offers the tickets as the CSV that
// natq print --tickets prints on a computer that has one.
func TestCardsWithoutAFont(t *testing.T) {
	bd := startBrowserDemo(t, func(c *demoConfig) {
		c.fonts = func() (*sheets.Fonts, error) { return nil, errors.New("no Chinese font") }
	})
	d := bd.d
	tablet := bd.tab("tablet-cards-nofont", 1024, 768, false)
	tablet.staffAt(d.staff, d.firstSite())
	tablet.run("the coverage tab", chromedp.Click("#tab-cov"), chromedp.WaitVisible("#cardrows"))
	tablet.run("two households", chromedp.SetValue("#cardrows", "2号楼 1 302 2 王秀英\n3栋 2 401 1\n"), chromedp.Click("#cardgo"))
	tablet.within(10*time.Second, "booked, the CSV offered", `!document.getElementById('cardpdf').hidden && document.getElementById('cardpdf').textContent === '下载票卡 CSV（2 户）' &&
		document.getElementById('cardmsg').classList.contains('warn') && document.getElementById('cardmsg').textContent.includes('缺少中文字体') &&
		document.querySelectorAll('#cardres tr').length === 2`)
	tablet.shot("staff-cards-nofont-1024x768")
	tablet.noDialogs()
	f, err := os.Open(tablet.download("download the CSV", "#cardpdf", "tickets-"+d.plan.Compound.ID+".csv"))
	if err != nil {
		t.Fatal(err)
	}
	ts, err := ticketcsv.Read(f)
	f.Close()
	if err != nil || len(ts) != 2 {
		t.Fatalf("the saved CSV = %d tickets, %v; want the 2 booked", len(ts), err)
	}
	if ts[0].Name != "王秀英" || ts[0].Building != "b2" || ts[0].Party != 2 || ts[1].Building != "b3" || ts[1].Unit != "2" || ts[0].URL == "" || ts[1].URL == "" {
		t.Errorf("the CSV's tickets = %+v; want 2号楼's 王秀英 (2 people) and 3栋 unit 2, with their URLs", ts)
	}
}

// download clicks the link at sel and waits for the file it saves as
// name, in a folder of the test's; Chromium renames a download to its name
// once it is whole.
func (tb *tab) download(what, sel, name string) string {
	t := tb.bd.t
	t.Helper()
	dir := t.TempDir()
	if _, err := chromedp.Call(tb.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir, BrowserContextID: chromedp.FromContext(tb.ctx).BrowserContextID}); err != nil {
		t.Fatal(err)
	}
	tb.run(what, chromedp.Click(sel))
	path := filepath.Join(dir, name)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			return path
		}
		if time.Now().After(deadline) {
			ls, _ := os.ReadDir(dir)
			t.Fatalf("%s: %s: nothing saved as %s within 10s; the folder holds %v", tb.name, what, name, ls)
		}
	}
}

// TestCardsAmbiguousBuilding: where two buildings answer to what the
// coordinator typed (2号楼 renamed 3栋: "3" is b3's number and b2's name),
// the page asks which, naming both, and books nothing, as the service
// would refuse the row.
func TestCardsAmbiguousBuilding(t *testing.T) {
	bd := startBrowserDemo(t, func(c *demoConfig) {
		var fc struct {
			Type     string           `json:"type"`
			Features []map[string]any `json:"features"`
		}
		if err := json.Unmarshal(c.compound, &fc); err != nil {
			t.Fatal(err)
		}
		renamed := 0
		for _, f := range fc.Features {
			if props, _ := f["properties"].(map[string]any); props != nil && props["building"] != nil && props["name"] == "2号楼" {
				props["name"] = "3栋"
				renamed++
			}
		}
		if renamed != 1 {
			t.Fatalf("renamed %d buildings 2号楼, want 1", renamed)
		}
		b, err := json.Marshal(fc)
		if err != nil {
			t.Fatal(err)
		}
		c.compound = b
	})
	tablet := bd.tab("tablet-cards-ambiguous", 1024, 768, false)
	tablet.staffAt(bd.d.staff, bd.d.firstSite())
	tablet.run("the coverage tab", chromedp.Click("#tab-cov"), chromedp.WaitVisible("#cardrows"))
	tablet.run("a household of 3", chromedp.SetValue("#cardrows", "3 1 502 2\n"), chromedp.Click("#cardgo"))
	tablet.within(3*time.Second, "asked which", `document.getElementById('cardmsg').classList.contains('bad') &&
		document.getElementById('cardmsg').textContent === '第 1 行：“3”可以是不止一栋楼（b2、b3），请写楼的编号。'`)
	tablet.run("by its id", chromedp.SetValue("#cardrows", "b3 1 502 2\n"), chromedp.Click("#cardgo"))
	tablet.within(10*time.Second, "booked", `!document.getElementById('cardpdf').hidden && document.querySelectorAll('#cardres tr').length === 1`)
	tablet.noDialogs()
}

// TestCoverageOnAPhone: a coordinator with only a phone (390 px wide)
// opens the coverage tab. Each list fits the screen: every heading and
// every row's 加入 and 撤销 button is in sight without scrolling the table
// sideways (before, the not-sampled table hid 加入 past the edge and the
// coverage table its last two columns). Switching to English relabels the
// staff tokens' rows too (before, they kept 撤销 and 协调员), and the lists
// still fit.
func TestCoverageOnAPhone(t *testing.T) {
	bd := startBrowserDemo(t)
	d := bd.d
	bd.bookRoom("1205", nil)
	ph := bd.tab("phone-coverage", 390, 844, true)
	ph.staffAt(d.staff, d.firstSite())
	ph.run("the coverage tab", chromedp.Click("#tab-cov"))
	ph.within(5*time.Second, "the not-sampled household listed", `document.querySelectorAll('#notrows button.add').length > 0 && document.querySelectorAll('#staffrows button').length > 0`)
	// Every table of the tab, and every button in it, ends within its
	// scrolling box's right edge.
	const fits = `[...document.querySelectorAll('#pane-cov .cov')].filter(c => c.offsetParent).flatMap(c => {
		const edge = c.getBoundingClientRect().right + 0.5, t = c.querySelector('table');
		const out = [...t.querySelectorAll('th, button')].filter(e => e.getBoundingClientRect().right > edge).map(e => e.textContent || 'a heading');
		return t.scrollWidth > c.clientWidth + 1 ? out.concat(['table ' + t.scrollWidth + ' > ' + c.clientWidth]) : out;
	})`
	var out []string
	eval(ph, fits, &out)
	if len(out) > 0 {
		t.Errorf("on a 390 px phone, out of sight to the right: %q", out)
	}
	ph.shot("coverage-phone")
	ph.run("English", chromedp.Click("#lang"))
	ph.within(3*time.Second, "the staff tokens relabelled", `[...document.querySelectorAll('#staffrows button')].every(b => b.textContent === 'Revoke') && !/协调员/.test(document.getElementById('staffrows').textContent)`)
	ph.within(3*time.Second, "the not-sampled list relabelled", `[...document.querySelectorAll('#notrows button.add')].every(b => b.textContent === 'Add')`)
	// In English too (before, "Expected" and "Unbooked hh" pushed the
	// last two columns out of sight).
	eval(ph, fits, &out)
	if len(out) > 0 {
		t.Errorf("in English on a 390 px phone, out of sight to the right: %q", out)
	}
	ph.shot("coverage-phone-en")
	ph.noDialogs()
}

// numberedBuilding is a building of the demo other than the first, named
// by a number ("14号楼"), with units and a students' window, and its
// number.
func numberedBuilding(t *testing.T, d *demo) (*planfile.Building, string) {
	t.Helper()
	num := regexp.MustCompile(`^(\d+)号楼$`)
	for _, c := range d.plan.Buildings {
		if c.ID != d.firstBuilding() && !c.DoorToDoor[d.plan.Variants[0]] && num.MatchString(c.Name) && c.Units > 0 && len(d.plan.File.StudentsWindows(c, d.plan.Variants[0])) > 0 {
			return c, num.FindStringSubmatch(c.Name)[1]
		}
	}
	t.Fatal("the demo's compound has no numbered building with a students' window")
	return nil, ""
}

// TestCardsOneHouseholdSevenWays: the coordinator types one household as
// seven people would write it (words after the numbers, no spaces, dashes,
// full-width digits, leading zeros, "2人"). Each line is understood, and
// all seven are one ticket and one card, listed again in English when the
// coordinator switches. Before, any line with 单元, 室 or 人 in it, or
// without spaces, was refused as not a household.
func TestCardsOneHouseholdSevenWays(t *testing.T) {
	bd := startBrowserDemo(t)
	d := bd.d
	b, n := numberedBuilding(t, d)
	wide := strings.Map(func(r rune) rune { return r - '0' + '０' }, n)
	typed := []string{
		n + " 1 502 2",
		n + "栋1单元502室 2人",
		n + "号楼 1单元 502室 2人 王秀英",
		n + "-1-502 2",
		wide + "栋 １ ５０２ ２",
		n + "栋 1 502室 2口",
		n + "幢 01 0502 2",
	}
	tablet := bd.tab("tablet-seven-ways", 1024, 768, false)
	tablet.staffAt(d.staff, d.firstSite())
	tablet.run("the coverage tab", chromedp.Click("#tab-cov"))
	var ok bool
	eval(tablet, `(() => { document.getElementById('cardrows').value = `+jsString(strings.Join(typed, "\n"))+`; document.getElementById('cardgo').click(); return true; })()`, &ok)
	tablet.within(10*time.Second, "one card for the seven lines", `!document.getElementById('cardpdf').hidden && document.getElementById('cardpdf').textContent === '打开票卡（1 张）' && document.querySelectorAll('#cardres tr').length === 7`)
	var rows []string
	eval(tablet, `[...document.querySelectorAll('#cardres tr')].map(r => [...r.cells].map(c => c.textContent).join(' | '))`, &rows)
	for i, r := range rows {
		kept := strings.Contains(r, "（已有的票）")
		if !strings.Contains(r, "票 1") || !strings.Contains(r, "1 单元 502") || !strings.Contains(r, "2 人") || kept != (i > 0) {
			t.Errorf("line %d %q reads %q; want ticket 1 of %s 1 单元 502, 2 people, booked by the first line only", i+1, typed[i], r, b.Name)
		}
	}
	// In English, the answers are relabelled too.
	tablet.run("English", chromedp.Click("#lang"))
	tablet.within(3*time.Second, "the answers in English", `document.querySelectorAll('#cardres tr').length === 7 &&
		[...document.querySelectorAll('#cardres tr')].every((r, i) => r.cells[2].textContent === 'No. 1' + (i ? ' (already booked)' : ''))`)
	tablet.noDialogs()
}

// holdPDF makes the page's card print (its POST asking for a PDF) wait
// until the test sets window.__printGo, and says it was asked in
// window.__printAsked: the test changes the store in between.
const holdPDF = `(() => {
	const was = window.fetch;
	window.fetch = function (url, o) {
		if (o && o.headers && o.headers.Accept === 'application/pdf') {
			window.__printAsked = true;
			return new Promise(ok => { const w = () => window.__printGo ? ok() : setTimeout(w, 20); w(); }).then(() => was(url, o));
		}
		return was(url, o);
	};
})()`

// TestCardsPrintOnlyWhatTheTableShows: the coordinator makes cards for two
// households, one of a building whose windows are all full. The table says
// it found no window; then, while the page asks for the PDF, a resident of
// that building cancels. The PDF still holds only the card the table
// showed, and the refused household has no ticket: the coordinator, who
// read "full", does not find a card for it in the tray. Before, the page
// posted every row again for the PDF, which booked the freed seat and
// printed a card nobody had been told of.
func TestCardsPrintOnlyWhatTheTableShows(t *testing.T) {
	bd := startBrowserDemo(t)
	d := bd.d
	ctx := context.Background()
	full := d.firstBuilding()
	// Households of eight until no window takes eight, then of one until
	// none takes one, on paper as the cards book (a paper booking may take
	// the seats kept from phones): the last of them holds the last seat.
	co, err := d.svc.Authenticate(ctx, d.staff)
	if err != nil {
		t.Fatal(err)
	}
	var last *queue.Booking
	party := 8
	for f := 1; party > 0; f++ {
		for door := 1; door <= 99 && party > 0; door++ {
			if f > 18 {
				t.Fatalf("%s: every room booked and its windows not full", full)
			}
			pbs, err := d.svc.PreBook(ctx, co, d.plan.Compound.ID, strings.NewReader(fmt.Sprintf("%s,1,%d%02d,%d\n", full, f, door, party)))
			switch {
			case err != nil:
				t.Fatal(err)
			case pbs[0].Booking != nil:
				last = pbs[0].Booking
			case errors.Is(pbs[0].Error, queue.ErrFull) && party == 8:
				party = 1
			case errors.Is(pbs[0].Error, queue.ErrFull):
				party = 0
			default:
				t.Fatalf("booking %s on paper: %+v", full, pbs[0].Error)
			}
		}
	}
	if last == nil || last.Party != 1 {
		t.Fatalf("the last booking of %s = %+v; want a household of one", full, last)
	}
	other, n := numberedBuilding(t, d)

	tablet := bd.tab("tablet-cards-full", 1024, 768, false)
	tablet.staffAt(d.staff, d.firstSite())
	tablet.run("the coverage tab", chromedp.Click("#tab-cov"), chromedp.WaitVisible("#cardrows"))
	var ok bool
	eval(tablet, holdPDF+`, true`, &ok)
	tablet.run("two households, one of a full building",
		chromedp.SetValue("#cardrows", n+" 1 502 2 王秀英\n"+full+" 1 1899 1 李大爷\n"), chromedp.Click("#cardgo"))
	tablet.within(10*time.Second, "the table: one booked, one full; the print asked", `window.__printAsked && document.querySelectorAll('#cardres tr').length === 2 &&
		document.querySelectorAll('#cardres td.bad').length === 1 && document.querySelector('#cardres tr:nth-child(2) td.bad').textContent.includes('约满')`)
	if _, err := d.svc.Cancel(ctx, last.Ticket); err != nil {
		t.Fatal(err)
	}
	eval(tablet, `window.__printGo = true`, &ok)
	tablet.within(10*time.Second, "one card, and the message says one is missing", `!document.getElementById('cardpdf').hidden && document.getElementById('cardpdf').textContent === '打开票卡（1 张）' &&
		document.getElementById('cardmsg').classList.contains('warn')`)
	tablet.noDialogs()
	path := tablet.download("open the cards", "#cardpdf", "tickets-"+d.plan.Compound.ID+".pdf")
	dir := filepath.Dir(path)
	run1(t, "pdftoppm", "-r", "150", "-png", path, filepath.Join(dir, "cards"))
	pages, _ := filepath.Glob(filepath.Join(dir, "cards-*.png"))
	codes := strings.Fields(run1(t, "zbarimg", append([]string{"-q", "--raw", "-Sdisable", "-Sqrcode.enable"}, pages...)...))
	kept, created, err := d.svc.Book(ctx, d.plan.Compound.ID, queue.Household{Building: other.ID, Unit: "1", Room: "502", Party: 2})
	if err != nil || created {
		t.Fatalf("王秀英's household again: created %v, %v; want her card's ticket", created, err)
	}
	if len(codes) != 1 || codes[0] != kept.URL {
		t.Errorf("the PDF's QR codes = %q; want only 王秀英's ticket %s", codes, kept.URL)
	}
	// The freed seat is still free: the refused household was not booked
	// behind the coordinator's back, and the next card can take it.
	pbs, err := d.svc.PreBook(ctx, co, d.plan.Compound.ID, strings.NewReader(full+",1,1898,1\n"))
	if err != nil || pbs[0].Booking == nil || !pbs[0].Created {
		t.Errorf("another household on paper for the freed seat: %+v, %v; want a new ticket (the refused row took nothing)", pbs, err)
	}
}
