package errs_test

import (
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
