package errs_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"natq/planner/errs"
)

func TestCodeOf(t *testing.T) {
	full := errs.New(errs.Full, "满", "full")
	for _, c := range []struct {
		err  error
		want errs.Code
	}{
		{nil, ""},
		{errors.New("disk on fire"), errs.Internal},
		{full, errs.Full},
		{fmt.Errorf("booking b1: %w", full), errs.Full},
		{errs.Invalidf("entrance %s: 40 m from any building", "n7"), errs.Invalid},
		{errs.Field("room", "房号有误", "not a room number"), errs.Invalid},
	} {
		if got := errs.CodeOf(c.err); got != c.want {
			t.Errorf("CodeOf(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

func TestIsByCode(t *testing.T) {
	sentinel := errs.New(errs.TooLate, "时段已过", "too late")
	detailed := &errs.Error{Code: errs.TooLate, Message: "时段已过（07:15）", MessageEn: "too late (07:15)"}
	if !errors.Is(fmt.Errorf("check-in: %w", detailed), sentinel) {
		t.Errorf("errors.Is(detailed too_late, sentinel) = false, want true")
	}
	if errors.Is(detailed, errs.New(errs.TooEarly, "", "")) {
		t.Errorf("errors.Is(too_late, too_early) = true, want false")
	}
}

func TestAsHidesTheCause(t *testing.T) {
	cause := errors.New("dial tcp 10.0.0.5:6379: secret-token-abc")
	e := errs.As(fmt.Errorf("wrapped: %w", cause))
	if e.Code != errs.Internal || e.MessageEn != "internal error" || !errors.Is(e, cause) {
		t.Errorf("As(plain error) = %+v, want an internal error wrapping the cause with a message that hides it", e)
	}
}

// TestBadFileOnce: a file that cannot be read is named once in the
// message, not once by the message and again by its cause.
func TestBadFileOnce(t *testing.T) {
	_, cause := os.Open(filepath.Join(t.TempDir(), "plan.geojson"))
	e := errs.BadFile(cause)
	if got := e.Error(); got != cause.Error() || !errors.Is(e, cause) || errs.CodeOf(e) != errs.Invalid {
		t.Errorf("BadFile(%v) = %q (code %s); want the cause's message once, invalid, wrapping it", cause, got, errs.CodeOf(e))
	}
}

// TestJSONIsTheAPIsShape: an Error inside an answer (a pre-booking row's
// refusal) reads as the API's errors do, in the words the pages show, and
// without its cause. Before, it was Go's field names ("Message"), which
// the coordinator's page did not read: a full row's reason was blank.
func TestJSONIsTheAPIsShape(t *testing.T) {
	e := &errs.Error{Code: errs.Full, Message: "约满", MessageEn: "full", Err: errors.New("redis 10.0.0.5:6379 secret")}
	b, err := json.Marshal(struct {
		Error *errs.Error `json:"error,omitempty"`
	}{e})
	if want := `{"error":{"code":"full","message":"约满","message_en":"full"}}`; err != nil || string(b) != want {
		t.Errorf("json.Marshal = %s, %v; want %s", b, err, want)
	}
	b, _ = json.Marshal(errs.Field("row 2 room", "没有这个房间", "no such room"))
	if want := `{"code":"bad_input","message":"row 2 room：没有这个房间","message_en":"row 2 room: no such room","field":"row 2 room"}`; string(b) != want {
		t.Errorf("a field's error = %s; want %s", b, want)
	}
}

// TestFieldInChinese: a refused field is named in the Chinese message as
// people call it; the API's name stays in Field and the English.
func TestFieldInChinese(t *testing.T) {
	e := errs.Field("room", "本楼没有 2501", "no room 2501 here")
	if e.Message != "房号：本楼没有 2501" || e.MessageEn != "room: no room 2501 here" || e.Field != "room" {
		t.Errorf("Field(room) = %q / %q / %q", e.Message, e.MessageEn, e.Field)
	}
	if e := errs.Field("a.b", "未知字段", "unknown field"); e.Message != "a.b：未知字段" {
		t.Errorf("Field(a.b) = %q; want the member's path kept", e.Message)
	}
}
