package planfile_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"natq/planner/planfile"
)

// fixtures are plan files written by natq (the goldens) and by hand or an
// older natq (the queue's fixtures, the sheets' fixture).
func fixtures(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, g := range []string{"../testdata/golden/*.plan.geojson", "../../queue/testdata/*.plan.geojson", "../sheets/testdata/*.plan.geojson"} {
		m, err := filepath.Glob(g)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m...)
	}
	if len(out) < 8 {
		t.Fatalf("found %d plan files, want the goldens and fixtures", len(out))
	}
	return out
}

func readFile(t *testing.T, path string) (*planfile.File, []byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := planfile.Read(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("Read(%s) = %v", path, err)
	}
	return f, data
}

// TestRoundTrip reads every golden plan and writes it again: the same
// JSON, member for member, number for number.
func TestRoundTrip(t *testing.T) {
	for _, path := range fixtures(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f, data := readFile(t, path)
			var buf bytes.Buffer
			if err := f.Write(&buf); err != nil {
				t.Fatal(err)
			}
			if filepath.Dir(path) == filepath.Join("..", "testdata", "golden") {
				var want, got any
				json.Unmarshal(data, &want)
				json.Unmarshal(buf.Bytes(), &got)
				if !reflect.DeepEqual(want, got) {
					t.Errorf("Write(Read(%s)) differs: %s", path, firstDiff("", want, got))
				}
			}
			// Hand-made files lack members natq writes, and list features
			// in another order; what they say must read back the same.
			g, err := planfile.Read(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatalf("Read(Write(Read(%s))) = %v", path, err)
			}
			if d := firstDiff("", asJSON(byVariant(f)), asJSON(byVariant(g))); d != "" {
				t.Errorf("Read(Write(Read(%s))) differs from Read: %s", path, d)
			}
			var again bytes.Buffer
			g.Write(&again)
			if !bytes.Equal(again.Bytes(), buf.Bytes()) {
				t.Errorf("writing %s twice gives different bytes", path)
			}
		})
	}
}

// plain is a File without its MarshalJSON: its fields as JSON.
type plain planfile.File

// asJSON is v as generic JSON, to compare with firstDiff.
func asJSON(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var out any
	json.Unmarshal(b, &out)
	return out
}

// byVariant is f's fields, with what Write groups by variant so grouped.
func byVariant(f *planfile.File) *plain {
	c := *(*plain)(f)
	c.Sites = slices.Clone(c.Sites)
	slices.SortStableFunc(c.Sites, func(a, b *planfile.Site) int { return strings.Compare(a.Variant, b.Variant) })
	c.Routes = slices.Clone(c.Routes)
	slices.SortStableFunc(c.Routes, func(a, b planfile.Route) int { return strings.Compare(a.Variant, b.Variant) })
	c.Posts = slices.Clone(c.Posts)
	slices.SortStableFunc(c.Posts, func(a, b planfile.Post) int { return strings.Compare(a.Variant, b.Variant) })
	return &c
}

// TestStudentsWindows: a building's students book the students' windows
// of its site in the variant, or every site's when its site has none.
func TestStudentsWindows(t *testing.T) {
	w := func(i int, v, site string, students bool) planfile.Window {
		return planfile.Window{Index: i, Variant: v, Site: site, Students: students}
	}
	f := &planfile.File{Schedule: []planfile.Window{w(0, "dry", "s1", false), w(1, "dry", "s1", true), w(2, "dry", "s2", true),
		w(3, "wet", "s2", true), w(4, "dry", "s1", true)}}
	idx := func(ws []planfile.Window) (out []int) {
		for _, w := range ws {
			out = append(out, w.Index)
		}
		return out
	}
	for _, c := range []struct {
		site    map[string]string
		variant string
		want    []int
	}{
		{map[string]string{"dry": "s1"}, "dry", []int{1, 4}},
		{map[string]string{"dry": "s3"}, "dry", []int{1, 2, 4}}, // its site has none: every site's
		{map[string]string{}, "dry", []int{1, 2, 4}},
		{map[string]string{"wet": "s2"}, "wet", []int{3}},
		{map[string]string{"dry": "s1"}, "wet", []int{3}},
	} {
		b := &planfile.Building{ID: "b1", Site: c.site}
		if got := idx(f.StudentsWindows(b, c.variant)); !slices.Equal(got, c.want) {
			t.Errorf("StudentsWindows(site %v, %s) = %v, want %v", c.site, c.variant, got, c.want)
		}
	}
	if got := f.StudentsWindows(&planfile.Building{ID: "b1"}, "storm"); got != nil {
		t.Errorf("a variant without a students' period: %v", got)
	}
}
