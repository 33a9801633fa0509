package queue

import (
	"testing"

	"natq/qr"
)

// BenchmarkView builds a checked-in ticket's view from its fields, as
// every ticket read and every state change's answer and event do.
func BenchmarkView(b *testing.B) {
	signer, err := qr.NewSigner([]byte("0123456789abcdef-secret"))
	if err != nil {
		b.Fatal(err)
	}
	s := New(nil, signer, DefaultOptions())
	vals := &ticketVals{"checked_in", "2026-12-01", "b1", "2", "301", "2", "online", "dry", "3", "s1", "1764540000000",
		"1764540900000", "1764540060000", "", "0", "", "1764539000000", "", "", "2"}
	b.ReportAllocs()
	for b.Loop() {
		if s.view(nil, "c1", 123, vals, signed{}) == nil {
			b.Fatal("no view")
		}
	}
}

// TestViewKnownToken: a view shows the token its caller verified only when
// it is this ticket's; for another ticket's, or none, it signs its own, and
// both are the token Sign gives.
func TestViewKnownToken(t *testing.T) {
	signer, err := qr.NewSigner([]byte("0123456789abcdef-secret"))
	if err != nil {
		t.Fatal(err)
	}
	s := New(nil, signer, DefaultOptions())
	vals := &ticketVals{"booked", "2026-12-01", "b1", "2", "301", "2", "online", "dry", "3", "s1", "1764540000000",
		"1764540900000", "", "", "0", "", "1764539000000", "", "", "1"}
	own, other := signer.Sign("c1", 123), signer.Sign("c1", 124)
	for _, c := range []struct {
		name  string
		known signed
	}{{"its own token", signed{123, own}}, {"another ticket's", signed{124, other}}, {"none", signed{}},
		{"an id without a token", signed{123, ""}}} {
		v := s.view(nil, "c1", 123, vals, c.known)
		if v == nil || v.Ticket != own || v.URL != s.opts.BaseURL+"/t/"+own {
			t.Errorf("%s: view's token %q (url %q), want %q", c.name, v.Ticket, v.URL, own)
		}
	}
}
