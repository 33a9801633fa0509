package sheets

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"natq/planner/errs"
)

var update = flag.Bool("update", false, "rewrite the golden SVGs in testdata")

// keep leaves rendered sheets in testdata/out for a person to look at.
var keep = flag.Bool("keep", false, "keep rendered sheets in testdata/out")

func loadFixture(t testing.TB) *Plan {
	t.Helper()
	return readFixture(t, "testdata/fixture.plan.geojson", Load)
}

// readFixture reads the file at path with read, failing t if it cannot.
func readFixture[T any](t testing.TB, path string, read func(io.Reader) (T, error)) T {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v, err := read(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

// outDir is where a test's sheets are written: a temp dir, or with -keep
// testdata/out/NAME.
func outDir(t *testing.T) string {
	if *keep {
		dir := filepath.Join("testdata", "out", strings.ReplaceAll(t.Name(), "/", "_"))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	return t.TempDir()
}

// tool runs an external tool the tests need; they are installed where the
// tests run (poppler-utils, zbar-tools), so a missing one is a failure.
func tool(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, errb.String())
	}
	return out.String()
}

var testOpts = Options{BaseURL: "https://natq.example/"}

// qrCodes renders a PDF at dpi and returns every QR code zbarimg decodes
// on each page, in page order. Pages are rendered as greyscale PGM: the
// same rasterisation as PNG, without the second of PNG compression that a
// 300 dpi page costs.
func qrCodes(t *testing.T, pdfPath string, dpi int) [][]string {
	return qrCodesIn(t, pdfPath, dpi, nil)
}

// qrCodesIn is qrCodes of a part of each page: crop is x0, y0, x1, y1 in
// mm from the top left, or nil for the whole page.
func qrCodesIn(t *testing.T, pdfPath string, dpi int, crop []float64) [][]string {
	t.Helper()
	prefix := strings.TrimSuffix(pdfPath, ".pdf") + "-" + strconv.Itoa(dpi)
	args := []string{"-r", strconv.Itoa(dpi), "-gray"}
	if crop != nil {
		px := func(mm float64) string { return strconv.Itoa(int(mm / 25.4 * float64(dpi))) }
		args = append(args, "-x", px(crop[0]), "-y", px(crop[1]), "-W", px(crop[2]-crop[0]), "-H", px(crop[3]-crop[1]))
	}
	tool(t, "pdftoppm", append(args, pdfPath, prefix)...)
	pages, _ := filepath.Glob(prefix + "-*.pgm")
	sort.Slice(pages, func(i, j int) bool { return pageNum(pages[i]) < pageNum(pages[j]) })
	out := make([][]string, len(pages))
	var wg sync.WaitGroup
	sem := make(chan bool, 4)
	for i, page := range pages {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- true
			defer func() { <-sem }()
			out[i] = zbar(page)
			if !*keep {
				os.Remove(page)
			}
		}()
	}
	wg.Wait()
	return out
}

// zbar returns the QR codes zbarimg finds in an image, sorted.
func zbar(image string) []string {
	cmd := exec.Command("zbarimg", "-q", "--raw", "-Sdisable", "-Sqrcode.enable", image)
	out, _ := cmd.Output() // exit status 4 when nothing is found
	var codes []string
	for _, l := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if l != "" {
			codes = append(codes, l)
		}
	}
	sort.Strings(codes)
	return codes
}

func pageNum(png string) int {
	s := strings.TrimSuffix(png, filepath.Ext(png))
	n, _ := strconv.Atoi(s[strings.LastIndex(s, "-")+1:])
	return n
}

func writeFile(t *testing.T, path string, render func(w io.Writer) error) {
	t.Helper()
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		t.Fatalf("rendering %s: %v", path, err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkFonts checks that every font in a PDF is embedded.
func checkFonts(t *testing.T, pdfPath string) {
	t.Helper()
	out := tool(t, "pdffonts", pdfPath)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 3 {
		t.Errorf("pdffonts %s: no fonts:\n%s", pdfPath, out)
		return
	}
	for _, l := range lines[2:] {
		f := strings.Fields(l)
		// name type... encoding emb sub uni object ID
		if len(f) < 6 || f[len(f)-5] != "yes" {
			t.Errorf("pdffonts %s: font not embedded: %s", pdfPath, l)
		}
	}
}

func TestBuildingSheets(t *testing.T) {
	p := loadFixture(t)
	dir := outDir(t)
	for _, b := range p.Buildings {
		path := filepath.Join(dir, "building-"+b.ID+".pdf")
		writeFile(t, path, func(w io.Writer) error { return BuildingSheet(w, p, b.ID, PDF, testOpts) })
		checkFonts(t, path)
		text := tool(t, "pdftotext", path, "-")
		if !strings.Contains(text, b.Name) {
			t.Errorf("pdftotext %s: no %q in\n%s", path, b.Name, text)
		}
		want := "https://natq.example/c/fixture/b/" + b.ID
		for _, dpi := range []int{150, 300} {
			t.Run(fmt.Sprintf("%s/%d", b.ID, dpi), func(t *testing.T) {
				t.Parallel()
				pages := qrCodes(t, path, dpi)
				if len(pages) != 1 || len(pages[0]) != 1 || pages[0][0] != want {
					t.Errorf("QR codes of %s at %d dpi = %q, want [[%q]]", path, dpi, pages, want)
				}
			})
		}
	}
}

func loadTickets(t testing.TB) []Ticket {
	t.Helper()
	return readFixture(t, "testdata/fixture.tickets.csv", ReadTickets)
}

func TestTicketCards(t *testing.T) {
	p := loadFixture(t)
	tickets := loadTickets(t)
	dir := outDir(t)
	path := filepath.Join(dir, "tickets.pdf")
	writeFile(t, path, func(w io.Writer) error { return TicketCards(w, p, tickets, PDF, testOpts) })
	checkFonts(t, path)
	var want [][]string
	for i, tk := range cards(tickets) {
		if i%perPage == 0 {
			want = append(want, nil)
		}
		want[len(want)-1] = append(want[len(want)-1], tk.URL)
	}
	for _, w := range want {
		sort.Strings(w)
	}
	for _, dpi := range []int{150, 300} {
		t.Run(strconv.Itoa(dpi), func(t *testing.T) {
			t.Parallel()
			got := qrCodes(t, path, dpi)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("QR codes of %s at %d dpi = %q, want %q", path, dpi, got, want)
			}
		})
	}
	text := tool(t, "pdftotext", path, "-")
	// The household whole, with the name the pre-booking gave, and the
	// ticket's short number as the tablet shows it.
	for _, name := range []string{"1号楼", "荷花苑4号楼", "篮球场", "1单元 101室 王秀英", "票 1014", "07:00–07:15", "12月1日 Dec 1"} {
		if !strings.Contains(text, name) {
			t.Errorf("pdftotext %s: no %q", path, name)
		}
	}
}

func TestPrintAll(t *testing.T) {
	p := loadFixture(t)
	tickets := loadTickets(t)
	for _, f := range []Format{PDF, SVG} {
		dir := t.TempDir()
		opts := testOpts
		opts.Combined = true
		files, err := PrintAll(dir, p, tickets, f, opts)
		if err != nil {
			t.Fatalf("PrintAll(%s) = %v", f, err)
		}
		var names []string
		for _, file := range files {
			names = append(names, filepath.Base(file))
		}
		sort.Strings(names)
		want := []string{"battle-dry", "battle-wet", "building-w101", "building-w102", "building-w103", "building-w104",
			"marker-dry-s1", "marker-dry-s2", "marker-wet-s2", "tickets"}
		if f == PDF {
			want = append(want, "buildings")
		}
		for i := range want {
			want[i] += "." + f.Ext()
		}
		sort.Strings(want)
		if !reflect.DeepEqual(names, want) {
			t.Errorf("PrintAll(%s) wrote %q, want %q", f, names, want)
		}
		left, _ := filepath.Glob(filepath.Join(dir, ".natq-print-*"))
		if len(left) > 0 {
			t.Errorf("PrintAll(%s) left temporary files %q", f, left)
		}
	}
}

// TestLoadErrors: plan files natq cannot print say what is wrong.
func TestLoadErrors(t *testing.T) {
	const head = `{"type":"FeatureCollection","natq:compound":{"id":"c1"},"natq:params":{"date":"2026-12-01","spacing":1},"features":[`
	const building = `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[121.4,31.2],[121.401,31.2],[121.401,31.201],[121.4,31.2]]]},"properties":{"natq:kind":"building","natq:building":"b1","natq:variant":"dry"}}`
	for _, tc := range []struct{ name, in, want string }{
		{"not json", `{`, "not JSON"},
		{"empty", `{"type":"FeatureCollection","features":[]}`, `"natq:compound" missing`},
		{"no buildings", head + `{"type":"Feature","geometry":{"type":"Point","coordinates":[121.4,31.2]},"properties":{"natq:kind":"gate"}}]}`, "no buildings"},
		{"not lonlat", head + `{"type":"Feature","geometry":{"type":"Point","coordinates":[350000,3450000]},"properties":{"natq:kind":"gate"}}]}`, "features[0] (gate): coordinates out to [350000, 3450000] are not lon/lat"},
		{"building no id", head + `{"type":"Feature","id":"w1","geometry":{"type":"Polygon","coordinates":[[[121.4,31.2],[121.401,31.2],[121.401,31.201],[121.4,31.2]]]},"properties":{"natq:kind":"building","natq:variant":"dry"}}]}`, `features[0] (id w1) (building, dry): natq:building "" is not an id`},
		{"marker not multipoint", head + building + `,{"type":"Feature","geometry":{"type":"Point","coordinates":[121.4,31.2]},"properties":{"natq:kind":"marker","natq:variant":"dry","natq:site":"s1"}}]}`, "features[1] (marker s1, dry): geometry is a Point, want a MultiPoint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Load(%s) = %v, want an error containing %q", tc.name, err, tc.want)
			}
			if code := errs.CodeOf(err); code != errs.Invalid {
				t.Errorf("Load(%s) error %v has code %q, want %q", tc.name, err, code, errs.Invalid)
			}
		})
	}
}

// TestTicketsAgainstPlan: a ticket file of another compound, day or zone
// is refused, not printed with the wrong times.
func TestTicketsAgainstPlan(t *testing.T) {
	p := loadFixture(t)
	for _, tc := range []struct {
		name string
		edit func(*Ticket)
		want string
	}{
		{"other compound", func(k *Ticket) { k.Compound = "c9" }, "is for compound c9; the plan is for fixture"},
		{"other zone", func(k *Ticket) { k.TZ = "UTC" }, "has its times in UTC, the plan in Asia/Shanghai"},
		{"other day", func(k *Ticket) { k.Date = "2026-12-02" }, "is for 2026-12-02, the plan for 2026-12-01"},
		{"unknown building", func(k *Ticket) { k.Building = "w999" }, "names building w999, which is not in the plan"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := loadTickets(t)
			tc.edit(&ts[3])
			err := TicketCards(io.Discard, p, ts, SVG, testOpts)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "request row 5") {
				t.Fatalf("TicketCards(%s) = %v, want an error naming row 5 and containing %q", tc.name, err, tc.want)
			}
		})
	}
}

func TestFontErrors(t *testing.T) {
	_, err := LoadFonts("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
	if err == nil || !strings.Contains(err.Error(), CJKFontPackage) {
		t.Errorf("LoadFonts(Noto CJK) = %v, want an error naming %s", err, CJKFontPackage)
	}
	_, err = LoadFonts("/nonexistent/font.ttf")
	if err == nil {
		t.Errorf("LoadFonts(missing file) = nil error")
	}
}

// TestTicketCardsManyLengths prints six pages of cards whose URLs run from
// short to long (QR versions 3 to 10) and decodes every page whole: zbar
// can miss one of eight level codes on a page, and every card's code is
// the same size.
func TestTicketCardsManyLengths(t *testing.T) {
	p := loadFixture(t)
	day := time.Date(2026, 12, 1, 7, 0, 0, 0, time.FixedZone("CST", 8*3600))
	var ts []Ticket
	for i := 0; i < 48; i++ {
		tok := fmt.Sprintf("v1.w101.%d.%s", i, strings.Repeat("Ab9_", 2+i*2)[:4+i*3])
		ts = append(ts, Ticket{Compound: "fixture", Date: "2026-12-01", TZ: "Asia/Shanghai", Number: uint64(1 + i*i*37),
			Building: "w101", Unit: "1", Room: fmt.Sprint(101 + i), Party: 1, Token: tok, Site: "s1",
			Start: day, End: day.Add(15 * time.Minute), URL: "https://natq.example/t/" + tok})
	}
	path := filepath.Join(outDir(t), "tickets-lengths.pdf")
	writeFile(t, path, func(w io.Writer) error { return TicketCards(w, p, ts, PDF, testOpts) })
	for _, dpi := range []int{150, 300} {
		t.Run(strconv.Itoa(dpi), func(t *testing.T) {
			t.Parallel()
			pages := qrCodes(t, path, dpi)
			if len(pages) != 6 {
				t.Fatalf("%d pages, want 6", len(pages))
			}
			for i, got := range pages {
				var want []string
				for _, tk := range ts[i*perPage : (i+1)*perPage] {
					want = append(want, tk.URL)
				}
				sort.Strings(want)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("page %d at %d dpi: QR codes %q, want %q", i+1, dpi, got, want)
				}
			}
		})
	}
}
