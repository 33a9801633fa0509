package queue

import (
	"context"
	_ "embed"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Event is one live update, as sent to listeners.
type Event struct {
	Type     string      `json:"type"` // booked, checked_in, called, recalled, sampled, no_show, cancelled, moved, variant
	Compound string      `json:"compound"`
	Site     string      `json:"site,omitempty"`
	At       time.Time   `json:"at"`
	Ticket   *TicketView `json:"ticket,omitempty"` // ticket events only
	TicketID uint64      `json:"ticket_id,omitempty"`
	State    string      `json:"state,omitempty"`
	Party    int         `json:"party,omitempty"`
	InLine   int         `json:"in_line"` // people in the site's line
	Variant  string      `json:"variant,omitempty"`
	// Version is the ticket's version at this event (ticket events only):
	// an event of a lower version than a page shows is older, whatever
	// order it arrived in.
	Version uint64 `json:"version,omitempty"`
}

// publish tells a ticket's listeners and its site's listeners of a change.
// Site listeners get no token: a site's stream is not a way to collect
// other people's tickets. The event carries the ticket as stamp.lua saw it
// with its version, not t as this instance read it: two instances telling
// of two changes of one ticket may publish in either order, and the
// version lets a page keep the newer. A failed publish is logged, not
// returned: the state change it reports has been made.
func (s *Service) publish(ctx context.Context, t *TicketView, typ string) {
	k := keysOf(t.Compound)
	now := s.now()
	st := s.stamp(ctx, t)
	inLine := st.Ahead // a booked ticket's "ahead" is its site's line
	if st.State != "booked" {
		inLine, _ = s.rdb.HGet(ctx, k.r(st.Round, "occ"), st.Site).Int()
	}
	te, _ := json.Marshal(Event{Type: typ, Compound: st.Compound, Site: st.Site, At: now, Ticket: st,
		State: st.State, InLine: inLine, Variant: st.Variant, Version: st.Version})
	se, _ := json.Marshal(Event{Type: typ, Compound: st.Compound, Site: st.Site, At: now, TicketID: st.ID,
		State: st.State, Party: st.Party, InLine: inLine, Variant: st.Variant, Version: st.Version})
	pipe := s.rdb.Pipeline()
	pipe.Publish(ctx, k.ticketCh(uint64String(st.ID)), te)
	pipe.Publish(ctx, k.siteCh(st.Site), se)
	if _, err := pipe.Exec(ctx); err != nil {
		slog.Warn("queue: publish", "compound", t.Compound, "ticket", t.ID, "err", err)
	}
}

// expand turns a script's compact event (raw_event in prelude.lua,
// published on channel) into the Event JSON publish would have sent on it:
// the whole ticket, token and all, on a ticket's channel, and no token on
// a site's. nil for a payload it cannot read.
func (s *Service) expand(channel string, raw []byte) []byte {
	var ev []json.RawMessage
	if json.Unmarshal(raw, &ev) != nil || len(ev) != 7 || string(ev[0]) != `"natq1"` {
		slog.Warn("queue: an event the hub cannot read", "channel", channel)
		return nil
	}
	var compound, typ, idS, atS string
	var inLine int
	var vals []any
	for i, x := range []any{&compound, &typ, &idS, &inLine, &atS, &vals} {
		if json.Unmarshal(ev[i+1], x) != nil {
			slog.Warn("queue: an event the hub cannot read", "channel", channel)
			return nil
		}
	}
	for i, v := range vals {
		if _, ok := v.(string); !ok {
			vals[i] = nil // false: a field not set
		}
	}
	if len(vals) != len(ticketFields) {
		slog.Warn("queue: an event the hub cannot read", "channel", channel)
		return nil
	}
	id, _ := strconv.ParseUint(idS, 10, 64)
	at, _ := strconv.ParseInt(atS, 10, 64)
	p, _ := s.current(compound)
	t := s.view(p, compound, id, vals)
	if t == nil {
		return nil
	}
	if t.State == "booked" {
		t.Ahead = inLine // a booked ticket's "ahead" is its site's line
	}
	e := Event{Type: typ, Compound: compound, Site: t.Site, At: time.UnixMilli(at), State: t.State,
		InLine: inLine, Variant: t.Variant, Version: t.Version}
	if strings.Contains(channel, "}:ev:t:") {
		e.Ticket = t
	} else {
		e.TicketID, e.Party = t.ID, t.Party
	}
	b, _ := json.Marshal(e)
	return b
}

var stampScript = redis.NewScript(stampLua)

//go:embed stamp.lua
var stampLua string

// stamp counts a change of t and returns the ticket as it is at that
// version; t itself (its people ahead kept) when the store fails.
func (s *Service) stamp(ctx context.Context, t *TicketView) *TicketView {
	args := make([]any, 0, len(ticketFields)+1)
	args = append(args, t.ID)
	for _, f := range ticketFields {
		args = append(args, f)
	}
	v, err := stampScript.Run(ctx, s.rdb, []string{keysOf(t.Compound).tk()}, args...).Slice()
	if err != nil || len(v) != 2 {
		slog.Warn("queue: event version", "compound", t.Compound, "ticket", t.ID, "err", err)
		return t
	}
	return s.stamped(t, v)
}

// stamped builds the ticket view of a stamp.lua reply.
func (s *Service) stamped(t *TicketView, v []any) *TicketView {
	ver, _ := v[0].(int64)
	vals, _ := v[1].([]any)
	p, _ := s.current(t.Compound)
	nt := s.view(p, t.Compound, t.ID, vals)
	if nt == nil || ver == 0 {
		return t
	}
	nt.Version = uint64(ver)
	if nt.State == t.State {
		nt.Ahead = t.Ahead
	}
	return nt
}

// publishAll tells the listeners of many tickets, whose lines are empty
// (after a weather switch), in two round trips: one to stamp them, one to
// publish.
func (s *Service) publishAll(ctx context.Context, ts []*TicketView, typ string) {
	if len(ts) == 0 {
		return
	}
	now := s.now()
	stamps := s.rdb.Pipeline()
	cmds := make([]*redis.Cmd, len(ts))
	for i, t := range ts {
		args := make([]any, 0, len(ticketFields)+1)
		args = append(args, t.ID)
		for _, f := range ticketFields {
			args = append(args, f)
		}
		cmds[i] = stamps.Eval(ctx, stampLua, []string{keysOf(t.Compound).tk()}, args...)
	}
	if _, err := stamps.Exec(ctx); err != nil {
		slog.Warn("queue: event versions", "compound", ts[0].Compound, "tickets", len(ts), "err", err)
	}
	pipe := s.rdb.Pipeline()
	for i, t := range ts {
		if v, err := cmds[i].Slice(); err == nil && len(v) == 2 {
			t = s.stamped(t, v)
		}
		k := keysOf(t.Compound)
		te, _ := json.Marshal(Event{Type: typ, Compound: t.Compound, Site: t.Site, At: now, Ticket: t,
			State: t.State, Variant: t.Variant, Version: t.Version})
		se, _ := json.Marshal(Event{Type: typ, Compound: t.Compound, Site: t.Site, At: now, TicketID: t.ID,
			State: t.State, Party: t.Party, Variant: t.Variant, Version: t.Version})
		pipe.Publish(ctx, k.ticketCh(uint64String(t.ID)), te)
		pipe.Publish(ctx, k.siteCh(t.Site), se)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		slog.Warn("queue: publish", "compound", ts[0].Compound, "tickets", len(ts), "err", err)
	}
}

// publishSites tells every site of p that the variant changed.
func (s *Service) publishSites(ctx context.Context, p *Plan, typ string) {
	k := keysOf(p.Compound.ID)
	v, _ := s.rdb.HGet(ctx, k.r(p.Date, "state"), "variant").Result()
	pipe := s.rdb.Pipeline()
	for _, site := range p.Sites {
		b, _ := json.Marshal(Event{Type: typ, Compound: p.Compound.ID, Site: site.ID, At: s.now(), Variant: v})
		pipe.Publish(ctx, k.siteCh(site.ID), b)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		slog.Warn("queue: publish", "compound", p.Compound.ID, "err", err)
	}
}

// A Stream is one listener's events, for a writer that takes whatever
// waits at once: Ready is signalled when events wait or the stream has
// ended, and Take hands them over. A stream ends when its context ends,
// when it falls listenerBuffer events behind, or when the store goes away.
type Stream struct{ l *listener }

// Ready is signalled (one token, not one per event) when events wait or
// the stream has ended.
func (st *Stream) Ready() <-chan struct{} { return st.l.ready }

// OnReady makes the stream call wake too whenever Ready is signalled, and
// at once if events wait or it has ended. wake runs on the hub's
// goroutine, which fans events out to every listener: it must not block.
func (st *Stream) OnReady(wake func()) {
	st.l.mu.Lock()
	st.l.wake = wake
	now := len(st.l.q) > 0 || st.l.ended
	st.l.mu.Unlock()
	if now {
		wake()
	}
}

// Take appends the events waiting, each its JSON, to dst, oldest first;
// ended is true once the stream has ended and nothing waits.
func (st *Stream) Take(dst [][]byte) (events [][]byte, ended bool) { return st.l.take(dst) }

// channel pumps the stream's events into a channel, closed when it ends
// (or, for a reader gone, when ctx ends).
func (st *Stream) channel(ctx context.Context) <-chan []byte {
	ch := make(chan []byte)
	go func() {
		defer close(ch)
		var buf [][]byte
		for range st.l.ready {
			var ended bool
			buf, ended = st.l.take(buf[:0])
			for _, b := range buf {
				select {
				case ch <- b:
				case <-ctx.Done():
					return
				}
			}
			if ended {
				return
			}
		}
	}()
	return ch
}

// WatchTicket subscribes to a ticket's events. The channel carries each
// event's JSON and closes when ctx ends or the store goes away; the
// subscription is in place when WatchTicket returns.
func (s *Service) WatchTicket(ctx context.Context, token string) (<-chan []byte, error) {
	st, err := s.StreamTicket(ctx, token)
	if err != nil {
		return nil, err
	}
	return st.channel(ctx), nil
}

// WatchSite subscribes to a site's events, in every loaded compound that
// has a site of that id, or in one compound for "compound~site".
func (s *Service) WatchSite(ctx context.Context, site string) (<-chan []byte, error) {
	st, err := s.StreamSite(ctx, site)
	if err != nil {
		return nil, err
	}
	return st.channel(ctx), nil
}

// StreamTicket is WatchTicket as a Stream: no goroutine and no buffer
// while nothing waits.
func (s *Service) StreamTicket(ctx context.Context, token string) (*Stream, error) {
	c, id, err := s.verify(token)
	if err != nil {
		return nil, err
	}
	if _, err := s.ticket(ctx, c, id); err != nil {
		return nil, err
	}
	return s.watch(ctx, keysOf(c).ticketCh(uint64String(id)))
}

// StreamSite is WatchSite as a Stream.
func (s *Service) StreamSite(ctx context.Context, site string) (*Stream, error) {
	var chans []string
	if c, x, ok := strings.Cut(site, "~"); ok {
		if p, err := s.current(c); err == nil && p.hasSite(x) {
			return s.watch(ctx, keysOf(c).siteCh(x))
		}
		return nil, ErrNoSite
	}
	for _, c := range s.CompoundIDs() {
		if p, err := s.current(c); err == nil && p.hasSite(site) {
			chans = append(chans, keysOf(c).siteCh(site))
		}
	}
	if len(chans) == 0 {
		return nil, ErrNoSite
	}
	return s.watch(ctx, chans...)
}

// Listeners is how many event listeners this instance holds (all on one
// Redis subscription).
func (s *Service) Listeners() int { return s.hub.listeners() }

// watch registers a listener on channels with the service's hub.
func (s *Service) watch(ctx context.Context, channels ...string) (*Stream, error) {
	l, err := s.hub.watch(ctx, channels...)
	if err != nil {
		return nil, err
	}
	return &Stream{l}, nil
}

func uint64String(id uint64) string { return strconv.FormatUint(id, 10) }
