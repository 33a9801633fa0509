package queue

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

var (
	//go:embed limit.lua
	limitLua string
	//go:embed unlimit.lua
	unlimitLua string
)

func init() {
	scripts["limit"] = redis.NewScript(limitLua)
	scripts["unlimit"] = redis.NewScript(unlimitLua)
}

// BookingLimit is the budget of new households one client address may
// book in a compound per window of time. It counts households, not
// requests: a household asking again for its ticket, a refused request
// and a booking that failed cost nothing, so neighbours behind one
// carrier NAT can live with it, while one client cannot book a compound's
// seats for made-up households. Staff (a volunteer booking for the
// elderly of a building) are not limited.
//
// The count is one Redis counter per compound, address and window, under
// the compound's hash tag, reserved atomically before the booking and
// given back when no new ticket came of it: it holds across instances and
// on a cluster. The window's start is in the counter's name; expiry only
// tidies up.
type BookingLimit struct {
	Households int           // per address and window; 0: no limit
	Window     time.Duration // default 10 minutes
	// FailClosed refuses bookings when the limiter's store fails; the
	// default admits them (the booking itself then needs the store too,
	// and fails or not on its own). Either way the log says so.
	FailClosed bool
}

// DefaultBookingLimit is natq serve's budget: a building's worth of
// households per address in ten minutes.
var DefaultBookingLimit = BookingLimit{Households: 100, Window: 10 * time.Minute}

// ErrRateLimited refuses a booking beyond an address's budget.
var ErrRateLimited = newErr("rate_limited", "该网络地址预约的户数已达上限，请稍后再试，或请志愿者代为预约",
	"this address has booked its share of new households for now; try again later or ask a volunteer")

// limiter is the state of the limit's failure log.
type limiter struct {
	mu     sync.Mutex
	logged time.Time
	failed int
}

func (k ckeys) limit(window int64, addr string) string {
	h := sha256.Sum256([]byte(addr))
	return k.p + ":lim:" + strconv.FormatInt(window, 10) + ":" + hex.EncodeToString(h[:12])
}

// reserve takes a place in addr's budget for household h; the returned
// release gives it back (nil when nothing was taken: a repeat, no limit,
// or a store failure let through).
func (s *Service) reserve(ctx context.Context, p *Plan, addr string, h Household) (release func(), err error) {
	l := s.opts.BookingLimit
	if l.Households <= 0 {
		return nil, nil
	}
	win := l.Window
	if win <= 0 {
		win = 10 * time.Minute
	}
	now := s.now()
	start := now.UnixMilli() / win.Milliseconds()
	k := keysOf(p.Compound.ID)
	key := k.limit(start, addr)
	v, err := s.run(ctx, "limit", []string{k.r(p.Date, "hh"), key}, h.key(), l.Households, 2*win.Milliseconds())
	if err != nil {
		var sr *scriptReply
		if errors.As(err, &sr) {
			if c, _ := sr.code(); c == "LIMITED" {
				s.m.Refusals.WithLabelValues("rate_limited").Inc()
				left := time.UnixMilli((start + 1) * win.Milliseconds()).Sub(now)
				return nil, &limited{secs: int(left.Seconds()) + 1}
			}
		}
		s.limitFailed(p.Compound.ID, err)
		if l.FailClosed {
			return nil, storeErr(err)
		}
		return nil, nil
	}
	if v.(int64) == 0 {
		return nil, nil
	}
	return func() {
		// A context of its own: the request's may be what failed.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if _, err := s.run(ctx, "unlimit", []string{key}); err != nil {
			s.limitFailed(p.Compound.ID, err)
		}
	}, nil
}

// limitFailed logs a failure of the limiter's store, at most every 10 s
// with the count of failures since.
func (s *Service) limitFailed(compound string, err error) {
	s.lim.mu.Lock()
	defer s.lim.mu.Unlock()
	s.lim.failed++
	if time.Since(s.lim.logged) < 10*time.Second {
		return
	}
	action := "admitting bookings without the per-address limit (fail open)"
	if s.opts.BookingLimit.FailClosed {
		action = "refusing bookings (fail closed)"
	}
	slog.Warn("queue: booking limiter: store failed", "compound", compound, "failures", s.lim.failed, "action", action, "err", err)
	s.lim.logged, s.lim.failed = time.Now(), 0
}

// limited is ErrRateLimited with when to come back.
type limited struct{ secs int }

func (l *limited) Error() string        { return ErrRateLimited.Error() }
func (l *limited) Unwrap() error        { return ErrRateLimited }
func (l *limited) RetryAfter() int      { return l.secs }
func (l *limited) Is(target error) bool { return target == ErrRateLimited }

// BookOnline books household h for a request from client address addr,
// within the address's budget (Options.BookingLimit); staff st of the
// compound (may be nil) are not limited.
func (s *Service) BookOnline(ctx context.Context, compound string, h Household, addr string, st *Staff) (*Booking, bool, error) {
	if st != nil {
		if err := may(st, compound, RoleMarshal); err != nil {
			return nil, false, err
		}
		return s.book(ctx, compound, h, "online")
	}
	p, err := s.current(compound)
	if err != nil {
		return nil, false, err
	}
	if err := s.validate(p, &h); err != nil {
		return nil, false, err
	}
	release, err := s.reserve(ctx, p, addr, h)
	if err != nil {
		return nil, false, err
	}
	b, created, err := s.book(ctx, compound, h, "online")
	if release != nil && !created {
		release()
	}
	return b, created, err
}
