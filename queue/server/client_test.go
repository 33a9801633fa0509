package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"natq/queue"
	"natq/queue/queuetest"
	"natq/queue/server"
)

// withHeader sends every request with header k: v.
type withHeader struct {
	k, v string
	rt   http.RoundTripper
}

func (w withHeader) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(w.k, w.v)
	return w.rt.RoundTrip(r)
}

// TestClientAddress: behind a proxy that appends to X-Forwarded-For, one
// client cannot make up an address, and a fresh budget, per request by
// sending a header of its own; nor can one IPv6 connection, by taking a
// new address of its /64 each time. Before, either booked without limit
// and held streams without limit.
func TestClientAddress(t *testing.T) {
	c := queuetest.Stores()[0].Client(t)
	limit := func(o *queue.Options) { o.BookingLimit = queue.BookingLimit{Households: 3, Window: 10 * time.Minute} }
	in := start(t, c, limit, server.Options{ProxyHeader: "X-Forwarded-For", MaxStreamsPerAddress: 2, MaxStreams: 100})
	room := 100
	book := func(xff string) int {
		room++
		req, _ := http.NewRequest("POST", in.url+"/api/v1/compounds/c1/bookings", strings.NewReader(fmt.Sprintf(`{"building":"b1","room":"%d","party":1}`, room)))
		req.Header.Set("Content-Type", "application/json")
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		what string
		xff  func(i int) string
		want string
	}{
		{"a made-up first address, the proxy's last", func(i int) string { return fmt.Sprintf("10.9.9.%d, 198.51.100.7", i) }, "201 201 201 429 429"},
		{"the same address written as IPv6", func(i int) string { return "::ffff:198.51.100.7" }, "429 429 429 429 429"},
		{"new addresses of one /64", func(i int) string { return fmt.Sprintf("2001:db8:1:2::%x", i+1) }, "201 201 201 429 429"},
		{"the next /64", func(i int) string { return fmt.Sprintf("2001:db8:1:3:%x::1", i+1) }, "201 201 201 429 429"},
		{"no address in the header: the proxy's own", func(i int) string { return fmt.Sprintf("unknown-%d", i) }, "201 201 201 429 429"},
	} {
		var got []string
		for i := range 5 {
			got = append(got, fmt.Sprint(book(tc.xff(i))))
		}
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("%s, budget 3: %s, want %s", tc.what, g, tc.want)
		}
	}
	// Streams: two an address; the /64's other addresses are the same one.
	var held []func()
	defer func() {
		for _, f := range held {
			f()
		}
	}()
	var codes []string
	for i := range 4 {
		tr := withHeader{"X-Forwarded-For", fmt.Sprintf("2001:db8:5:6::%x", i+1), &http.Transport{DisableKeepAlives: true}}
		code, _, closer := openStreamWith(t, tr, in.url+"/api/v1/sites/s1/events")
		codes = append(codes, fmt.Sprint(code))
		if closer != nil {
			held = append(held, closer)
		}
	}
	if g := strings.Join(codes, " "); g != "200 200 429 429" {
		t.Errorf("streams from four addresses of one /64, two an address: %s, want 200 200 429 429", g)
	}
}
