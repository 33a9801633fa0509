package queue

import (
	"strings"
	"testing"

	"natq/planner/planfile"
)

func TestNormalizeRoom(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"701", "701"}, {"0701", "701"}, {"７０１", "701"}, {"701\u200b", "701"}, {"701室", "701"},
		{" 701号 ", "701"}, {"\ufeff701", "701"}, {"7\u000101", "701"}, {"１２０３房", "1203"}, {"000", "0"},
		{"<script>", "<script>"}, {"-1", "-1"},
	} {
		if got := NormalizeRoom(c.in); got != c.want {
			t.Errorf("NormalizeRoom(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCheckRoom(t *testing.T) {
	six := &planfile.Building{ID: "b1", Levels: 6}
	for _, c := range []struct {
		b    *planfile.Building
		in   string
		want string
	}{
		{six, "101", "101"}, {six, "0699", "699"}, {six, "６０２室", "602"}, {&planfile.Building{ID: "t"}, "3201", "3201"},
	} {
		if got, err := checkRoom(c.b, c.in); err != nil || got != c.want {
			t.Errorf("checkRoom(%d floors, %q) = %q, %v; want %q", c.b.Levels, c.in, got, err, c.want)
		}
	}
}

// roomErrors are rooms refused, with what the refusal says.
var roomErrors = []struct {
	b    *planfile.Building
	in   string
	want string
}{
	{&planfile.Building{Levels: 6}, "<script>", "not a room number"},
	{&planfile.Building{Levels: 6}, "0", "not a room number"},
	{&planfile.Building{Levels: 6}, "-1", "not a room number"},
	{&planfile.Building{Levels: 6}, "99999", "not a room number"},
	{&planfile.Building{Levels: 6}, "", "missing"},
	{&planfile.Building{Levels: 6}, "701", "no room 701"},
	{&planfile.Building{Levels: 6}, "600", "no room 600"},
	{&planfile.Building{}, "6101", "floors 1–60"},
	{&planfile.Building{Levels: 6}, "1|2", "not a room number"},
}

func TestCheckRoomErrors(t *testing.T) {
	for _, c := range roomErrors {
		_, err := checkRoom(c.b, c.in)
		e, ok := err.(*Error)
		if !ok || e.Field != "room" || !strings.Contains(e.MessageEn, c.want) || !strings.Contains(e.MessageEn, "e.g. 302") || !strings.Contains(e.Message, "例如 302") {
			t.Errorf("checkRoom(%q) = %v, want a room refusal saying %q and what a room looks like", c.in, err, c.want)
		}
	}
}

func TestNormalizeUnit(t *testing.T) {
	for _, c := range []struct{ in, want string }{{"2", "2"}, {"02", "2"}, {"２单元", "2"}, {"2号", "2"}, {"", ""}, {"A", "A"}} {
		if got := NormalizeUnit(c.in); got != c.want {
			t.Errorf("NormalizeUnit(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestTicketNumber(t *testing.T) {
	for _, c := range []struct {
		in   string
		want uint64
	}{
		{"123", 123}, {"票 123", 123}, {"票123", 123}, {"票号：123", 123}, {"123号", 123}, {"No.123", 123},
		{"no. 123", 123}, {"NO123", 123}, {"1 23", 123}, {"#123", 123}, {"１２３", 123}, {" 123\u200b", 123}, {"0123", 123},
	} {
		if got, ok := TicketNumber(c.in); !ok || got != c.want {
			t.Errorf("TicketNumber(%q) = %d, %v; want %d", c.in, got, ok, c.want)
		}
	}
	for _, in := range []string{"", "0", "票", "-1", "12a", "c1.1.abc", "https://natq.test/t/c1.1.x", "1e3", "99999999999999999999"} {
		if got, ok := TicketNumber(in); ok {
			t.Errorf("TicketNumber(%q) = %d, true; want not a number", in, got)
		}
	}
}
