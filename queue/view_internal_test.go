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
		if s.view(nil, "c1", 123, vals) == nil {
			b.Fatal("no view")
		}
	}
}
