package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"natq/planner/ticketcsv"
	"natq/queue/queuetest"
)

// TestTicketsRoundTrip is the paper path for residents without phones:
// plan the contest compound, serve it (embedded store), pre-book eight
// households through the queue's CSV export, print their cards with natq
// print --tickets, read every card's QR code back with zbarimg, and check
// each ticket in at its site. The times printed are the queue's, in the
// compound's zone, whatever the machine's zone.
func TestTicketsRoundTrip(t *testing.T) {
	for _, tool := range []string{"pdftoppm", "zbarimg", "pdftotext"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed to read printed tickets back: %v", tool, err)
		}
	}
	dir := t.TempDir()
	planPath := filepath.Join(dir, "contest.plan.geojson")
	if status, _, stderr := natq(t, "plan", "../../testdata/contest.geojson", "-o", planPath, "--desks", "30", "--date", "2026-12-01"); status != 0 {
		t.Fatalf("natq plan = %d: %s", status, stderr)
	}
	var plan struct {
		Compound struct{ ID string } `json:"natq:compound"`
		Schedule []struct {
			Variant string
			Groups  []struct{ Building, Unit string }
		} `json:"natq:schedule"`
	}
	data, _ := os.ReadFile(planPath)
	if err := json.Unmarshal(data, &plan); err != nil {
		t.Fatal(err)
	}
	var households []string
	seen := map[string]bool{}
	for _, w := range plan.Schedule {
		for _, g := range w.Groups {
			if w.Variant != "dry" || g.Building == "students" || seen[g.Building] || len(households) == 8 {
				continue
			}
			seen[g.Building] = true
			households = append(households, fmt.Sprintf("%s,%s,%d01,%d,居民%d", g.Building, g.Unit, len(households)+1, 1+len(households)%3, len(households)+1))
		}
	}
	if len(households) < 8 {
		t.Fatalf("the contest plan's schedule names %d buildings, want 8", len(households))
	}

	// A fixed secret and public URL make the tickets, so the codes
	// printed, the same on every run: the test cannot pass or fail by
	// the port it happened to get.
	e, out, errb := serveEnv(map[string]string{"NATQ_SECRET": "round-trip-secret-0123456789"})
	var clock atomic.Pointer[time.Time]
	morning := queuetest.Morning
	clock.Store(&morning)
	e.now = func() time.Time { return *clock.Load() }
	url := serve(t, e, errb, "--plan", planPath, "--booking-limit", "0", "--base-url", "https://natq.example.org")
	m := regexp.MustCompile(`coordinator token for ` + regexp.QuoteMeta(plan.Compound.ID) + ` \(shown once\): (\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no coordinator token: %s", out.String())
	}
	coord := m[1]
	req, _ := http.NewRequest("POST", url+"/api/v1/compounds/"+plan.Compound.ID+"/prebookings",
		strings.NewReader("building,unit,room,party,name\n"+strings.Join(households, "\n")+"\n"))
	req.Header.Set("Authorization", "Bearer "+coord)
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Accept", "text/csv")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	csvData, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("pre-booking = %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), csvData)
	}
	csvPath := filepath.Join(dir, "tickets.csv")
	os.WriteFile(csvPath, csvData, 0o644)
	tickets, err := ticketcsv.Read(strings.NewReader(string(csvData)))
	if err != nil {
		t.Fatalf("the queue's export does not read as a ticket CSV: %v\n%s", err, csvData)
	}
	if len(ticketcsv.Tickets(tickets)) != 8 {
		t.Fatalf("the queue's export holds %d tickets, want 8:\n%s", len(ticketcsv.Tickets(tickets)), csvData)
	}

	sheets := filepath.Join(dir, "sheets")
	if status, _, stderr := runPrintCmd(t, planPath, "--out", sheets, "--tickets", csvPath, "--base-url", "https://natq.example.org"); status != 0 || strings.Contains(stderr, "this computer only") {
		t.Fatalf("natq print --tickets = %d: %s", status, stderr)
	}
	// An export from a natq serve started without --base-url: its links
	// are this computer's, and the print says so (the cards still print:
	// the desk's scanner reads their tickets).
	local := filepath.Join(dir, "local.csv")
	if err := os.WriteFile(local, []byte(strings.ReplaceAll(string(csvData), "https://natq.example.org/", "http://127.0.0.1:18200/")), 0o644); err != nil {
		t.Fatal(err)
	}
	if status, _, stderr := runPrintCmd(t, planPath, "--out", filepath.Join(dir, "local"), "--tickets", local, "--base-url", "https://natq.example.org"); status != 0 ||
		!strings.Contains(stderr, "point at 127.0.0.1:18200, this computer only") {
		t.Errorf("natq print --tickets with loopback links = %d: %s; want the cards and a warning", status, stderr)
	}
	cards := filepath.Join(sheets, "tickets.pdf")
	// pdftotext keeps or drops the space where the Chinese font gives way
	// to the Latin one: compare without spaces.
	text := strings.Join(strings.Fields(run1(t, "pdftotext", cards, "-")), "")
	byURL := map[string]ticketcsv.Ticket{}
	for _, tk := range tickets {
		byURL[tk.URL] = tk
		// The queue's window, in Shanghai time, as the tablet's 票 number.
		for _, want := range []string{tk.Start.Format("15:04") + "–" + tk.End.Format("15:04"), fmt.Sprintf("票 %d", tk.Number), tk.Name} {
			if !strings.Contains(text, strings.ReplaceAll(want, " ", "")) {
				t.Errorf("ticket cards lack %q (ticket %d)", want, tk.Number)
			}
		}
		if tk.Start.Location().String() != "Asia/Shanghai" {
			t.Errorf("ticket %d's time is in %v, want Asia/Shanghai", tk.Number, tk.Start.Location())
		}
	}
	// The coordinator's page asks the service for the cards themselves:
	// the same households (booked already: the same tickets) and one
	// household's students, for the students' period.
	students := strings.Split(households[0], ",")
	students[4] = "居民1的孩子"
	students = append(students, "学生")
	req, _ = http.NewRequest("POST", url+"/api/v1/compounds/"+plan.Compound.ID+"/prebookings",
		strings.NewReader(strings.Join(households, "\n")+"\n"+strings.Join(students, ",")+"\n"+households[1]+"\n")) // and one twice: one card
	req.Header.Set("Authorization", "Bearer "+coord)
	req.Header.Set("Content-Type", "text/csv; charset=utf-8")
	req.Header.Set("Accept", "application/pdf")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	served, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || resp.Header.Get("X-Natq-Cards") != "9" {
		t.Fatalf("pre-booking as cards = %d %s, %s cards: %.300s", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("X-Natq-Cards"), served)
	}
	servedPath := filepath.Join(dir, "served.pdf")
	os.WriteFile(servedPath, served, 0o644)
	servedText := strings.Join(strings.Fields(run1(t, "pdftotext", servedPath, "-")), "")
	if n := strings.Count(servedText, "学生专场"); n != 1 || !strings.Contains(servedText, "居民1的孩子") {
		t.Errorf("the served cards say 学生专场 %d times (want once, on the students' card) or lack its name 居民1的孩子: %s", n, servedText)
	}
	if !strings.Contains(servedText, "16:30–") {
		t.Errorf("the students' card is not in the students' period (16:30): %s", servedText)
	}
	sp := filepath.Join(dir, "served")
	run1(t, "pdftoppm", "-r", "150", "-png", servedPath, sp)
	servedCodes := strings.Fields(strings.ReplaceAll(run1(t, "zbarimg", "-q", "--raw", "-Sdisable", "-Sqrcode.enable", sp+"-1.png"), "\n", " "))
	sort.Strings(servedCodes)

	png := filepath.Join(dir, "cards")
	run1(t, "pdftoppm", "-r", "150", "-png", cards, png)
	scanned := strings.Fields(strings.ReplaceAll(run1(t, "zbarimg", "-q", "--raw", "-Sdisable", "-Sqrcode.enable", png+"-1.png"), "\n", " "))
	sort.Strings(scanned)
	if len(scanned) != 8 {
		t.Fatalf("zbarimg read %d QR codes off the page of 8 cards: %q", len(scanned), scanned)
	}
	if strings.Join(servedCodes, " ") != strings.Join(scanned, " ") {
		t.Errorf("the served cards' first page reads %q, natq print's %q: want the same tickets", servedCodes, scanned)
	}
	for _, s := range scanned {
		tk, ok := byURL[s]
		if !ok {
			t.Errorf("a card's QR code reads %q, no ticket's URL", s)
			continue
		}
		token := s[strings.LastIndex(s, "/")+1:]
		at := tk.Start.Add(time.Minute)
		clock.Store(&at)
		code, body := call(t, "POST", url+"/api/v1/sites/"+tk.Site+"/checkins", coord, `{"ticket":"`+token+`"}`)
		if code != 200 || !strings.Contains(body, `"checked_in"`) {
			t.Errorf("check-in of ticket %d scanned off its card = %d %s, want 200 checked_in", tk.Number, code, body)
		}
	}
}

func run1(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return string(out)
}
