package queue

import "testing"

func TestShownClipsWhatWasTyped(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"3栋", "3栋"},
		{"3\n栋\x00", "3栋"},
		{"", ""},
		{"一二三四五六七八九十一二三四五六七八九十一二三四", "一二三四五六七八九十一二三四五六七八九十一二三四"},
		{"一二三四五六七八九十一二三四五六七八九十一二三四五", "一二三四五六七八九十一二三四五六七八九十一二三四…"},
	} {
		if got := Shown(c.in); got != c.want {
			t.Errorf("Shown(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if e := noBuilding("12号楼", "this compound"); e.Message != "楼号：本小区没有“12号楼”这栋楼" || e.Field != "building" {
		t.Errorf("noBuilding = %+v", e)
	}
}
