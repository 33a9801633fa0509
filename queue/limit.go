package queue

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"strconv"
	"sync"
	"time"
)

// BookingLimit is the budget of households one client address may book,
// or ask for the tickets of, in a compound per window of time. It counts
// households, not requests: a household asking again for its own ticket
// after its first time, a refused request and a booking that failed cost
// nothing, so neighbours behind one carrier NAT can live with it, while
// one client can neither book a compound's seats for made-up households
// nor read (and so cancel, or shrink) its households' tickets by their
// room numbers. Staff (a volunteer booking for the elderly of a building)
// are not limited.
//
// The count is one field per address in a hash per compound and window,
// under the compound's hash tag, taken by the booking's own script
// (book.lua) once it has found the household a window, in the same step
// as the ticket: it holds across instances and on a cluster, and a
// refused or full booking takes nothing. The window's start is in the
// hash's name; its expiry only tidies up.
type BookingLimit struct {
	Households int           // per address and window; 0: no limit
	Window     time.Duration // default 10 minutes
	// FailClosed refuses bookings whose budget cannot be counted (the
	// store refusing the write to the budgets hash); the default admits
	// them. Either way the log says so.
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

// budgets is the hash of the compound's booking budgets in limit window
// w (start / window length; 0 for unlimited bookings, which never write
// it): address field -> new households booked.
func (k ckeys) budgets(w int64) string { return k.p + ":lim:" + strconv.FormatInt(w, 10) }

// budgetField is client address addr's field in the budgets hash: its
// SHA-256, truncated (no address is stored).
func budgetField(addr string) string {
	h := sha256.Sum256([]byte(addr))
	return hex.EncodeToString(h[:12])
}

// limit is a booking's budget, as book.lua takes it: the address's field
// and "<households>:<the hash's lifetime ms>:<1 fail closed, 0 open>",
// the limit window, and when the window ends; a zero limit for a booking
// not limited.
type limit struct {
	field, spec string
	w           int64
	ends        time.Time
}

// limitFor is the budget of a booking from client address addr at now.
func (s *Service) limitFor(addr string, now time.Time) limit {
	l := s.opts.BookingLimit
	if l.Households <= 0 {
		return limit{}
	}
	win := l.Window
	if win <= 0 {
		win = 10 * time.Minute
	}
	w := now.UnixMilli() / win.Milliseconds()
	closed := "0"
	if l.FailClosed {
		closed = "1"
	}
	return limit{field: budgetField(addr), spec: strconv.Itoa(l.Households) + ":" + strconv.FormatInt(2*win.Milliseconds(), 10) + ":" + closed,
		w: w, ends: time.UnixMilli((w + 1) * win.Milliseconds())}
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

// Held is what a booking request holds of its household's ticket: the
// ticket's token (the phone that booked keeps it, and the family may
// share its link), or the key of the phone that booked it, a secret the
// phone made up and sends with every booking. Either one admits a
// request to the ticket when it asks again; "" for none.
type Held struct {
	Ticket string
	Key    string
}

// phoneKey is whether k may be a phone's key: letters, digits, "-" and
// "_", up to 64 (a loop: a regexp cost a booking 2%).
func phoneKey(k string) bool {
	if len(k) == 0 || len(k) > 64 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// BookOnline books household h for a request from client address addr,
// within the address's budget (Options.BookingLimit); staff st of the
// compound (may be nil) are not limited. A household that has a ticket
// already is answered with it only when the request holds it (held), or
// comes from staff; anyone else is refused with ErrBooked, and nothing
// changes: a room number is all a booking takes, and the ticket's token
// reads, re-sizes and cancels it. A new ticket keeps the hash of
// held.Key, so that the phone that booked it gets it again when the
// answer was lost on the way.
func (s *Service) BookOnline(ctx context.Context, compound string, h Household, addr string, st *Staff, held Held) (*Booking, bool, error) {
	if held.Key != "" && !phoneKey(held.Key) {
		return nil, false, BadField("key", "手机的预约凭据格式不对，请刷新页面后重试", "want up to 64 letters, digits, - or _")
	}
	if st != nil {
		if err := may(st, compound, RoleMarshal); err != nil {
			return nil, false, err
		}
		return s.book(ctx, compound, h, "online", "", anyHolder, "")
	}
	holder := "" // a forged token, or another compound's, holds nothing
	if held.Ticket != "" {
		if c, id, err := s.signer.Verify(held.Ticket); err == nil && c == compound {
			holder = strconv.FormatUint(id, 10)
		}
	}
	return s.book(ctx, compound, h, "online", addr, holder, keyHash(compound, held.Key))
}

// keyHash is what a ticket keeps of the key of the phone that booked it
// (Held.Key): 64 bits of its SHA-256 with the compound, "" for no key.
func keyHash(compound, key string) string {
	if key == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(compound + "|" + key))
	return hex.EncodeToString(sum[:8])
}
