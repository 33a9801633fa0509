package sim

// event is one timed happening of a run. At the same instant a desk
// finishing comes first (the party arriving then finds it free); other
// ties break by seq, so a run is the same however the heap is laid out.
type event struct {
	t    float64 // seconds since the day's origin
	seq  uint64
	kind uint8
	gen  uint16 // the party's generation it was scheduled for
	p    int32  // party
	s    int32  // site state, or the desk change
}

const (
	evArrive  uint8 = iota // a party reaches its site
	evCheckIn              // a party that came too early may check in now
	evDone                 // a desk has sampled a party
	evDesks                // desks go down or come back at a site
	evRain                 // the rain switch
)

// events is a binary min-heap of events by (t, seq), typed so that the
// hot loop neither boxes nor calls through an interface.
type events struct {
	h   []event
	seq uint64
}

func (q *events) push(e event) {
	q.seq++
	e.seq = q.seq
	q.h = append(q.h, e)
	i := len(q.h) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if !q.less(i, parent) {
			break
		}
		q.h[i], q.h[parent] = q.h[parent], q.h[i]
		i = parent
	}
}

func (q *events) less(i, j int) bool {
	a, b := &q.h[i], &q.h[j]
	if a.t != b.t {
		return a.t < b.t
	}
	if (a.kind == evDone) != (b.kind == evDone) {
		return a.kind == evDone
	}
	return a.seq < b.seq
}

func (q *events) pop() event {
	top := q.h[0]
	n := len(q.h) - 1
	q.h[0] = q.h[n]
	q.h = q.h[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && q.less(r, l) {
			m = r
		}
		if !q.less(m, i) {
			break
		}
		q.h[i], q.h[m] = q.h[m], q.h[i]
		i = m
	}
	return top
}
