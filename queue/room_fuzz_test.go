package queue_test

import (
	"strings"
	"testing"
	"unicode"

	"natq/queue"
)

// FuzzNormalizeRoom: whatever is typed, the normalised room has no
// invisible, control or space character; a number comes out with no
// leading zero and stays itself when normalised again (so 0701, ７０１ and
// 701室 are one household, never two). Seeds: testdata/fuzz/FuzzNormalizeRoom.
func FuzzNormalizeRoom(f *testing.F) {
	for _, s := range []string{"701", "0701", "７０１", "701\u200b", "701室", "701号", " 7 0 1 ", "\x00701", "701\x1b", "0", "室", "A1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := queue.NormalizeRoom(s)
		if strings.IndexFunc(out, func(r rune) bool {
			return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
		}) >= 0 {
			t.Errorf("NormalizeRoom(%q) = %q holds an invisible character", s, out)
		}
		number := out != "" && strings.Trim(out, "0123456789") == ""
		if number && (len(out) > 1 && out[0] == '0') {
			t.Errorf("NormalizeRoom(%q) = %q: a leading zero", s, out)
		}
		if number && queue.NormalizeRoom(out) != out {
			t.Errorf("NormalizeRoom(%q) = %q, but NormalizeRoom(%q) = %q", s, out, out, queue.NormalizeRoom(out))
		}
	})
}
