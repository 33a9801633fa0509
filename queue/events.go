package queue

import (
	"context"
	_ "embed"
	"log/slog"
	"strconv"
	"strings"
	"time"

	// encoding/json's API and output on the JSON v2 engine (the HTTP
	// layer's encoder too): an event with its ticket encodes in two thirds
	// of the time, with one allocation.
	json "github.com/go-json-experiment/json/v1"
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

// expand turns a script's compact event (raw_event in prelude.lua,
// published on channel) into the Event JSON its listeners get: the whole
// ticket, token and all, on a ticket's channel, and no token on a site's.
// Every ticket event is a script's, published in the same step as the
// change it tells of, so its version always shows the state of that
// version. nil for a payload it cannot read.
func (s *Service) expand(channel, raw string) []byte {
	ev, ok := parseRawEvent(raw)
	if !ok {
		slog.Warn("queue: an event the hub cannot read", "channel", channel)
		return nil
	}
	compound, typ, inLine, ahead, at := ev.compound, ev.typ, ev.inLine, ev.ahead, ev.at
	id, _ := strconv.ParseUint(ev.id, 10, 64)
	p, _ := s.current(compound)
	t := s.view(p, compound, id, &ev.vals, signed{})
	if t == nil {
		return nil
	}
	t.Ahead = ahead
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
// waits at once: OnReady's wake is called when events wait or the stream
// has ended, and Take hands them over. A stream ends when its context ends,
// when it falls listenerBuffer events behind, or when the store goes away.
type Stream struct{ l *listener }

// OnReady makes the stream call wake whenever events wait or it has
// ended (once for many events), and
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
// has a site of that id, or in one compound for "compound~site"; its
// bookings' too (StreamSite).
func (s *Service) WatchSite(ctx context.Context, site string) (<-chan []byte, error) {
	st, err := s.StreamSite(ctx, site, true)
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

// StreamSite is WatchSite as a Stream, with its new bookings' events
// ("booked") and parties' new sizes ("party") only when bookings is set:
// a booking moves no one's turn and leaves the line as it was, so a
// site's phones and display have no use for them, and in a morning rush a
// busy site books several times a second (its tablet, which counts the
// windows' bookings, asks for them). Those events have a channel of
// their own (bookCh), watched only for a listener that hears them: an
// instance holding only phones and displays is not sent them.
func (s *Service) StreamSite(ctx context.Context, site string, bookings bool) (*Stream, error) {
	var chans []string
	add := func(c, x string) {
		chans = append(chans, keysOf(c).siteCh(x))
		if bookings {
			chans = append(chans, keysOf(c).bookCh(x))
		}
	}
	if c, x, ok := strings.Cut(site, "~"); ok {
		if p, err := s.current(c); err == nil && p.hasSite(x) {
			add(c, x)
			return s.watch(ctx, chans...)
		}
		return nil, ErrNoSite
	}
	for _, c := range s.CompoundIDs() {
		if p, err := s.current(c); err == nil && p.hasSite(site) {
			add(c, site)
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
