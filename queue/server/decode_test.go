package server

import (
	"testing"

	"natq/queue"
)

// BenchmarkDecodeJSON is the strict decoding of a booking's body.
func BenchmarkDecodeJSON(b *testing.B) {
	body := []byte(`{"building":"b17","unit":"2","room":"1203","party":3}`)
	b.ReportAllocs()
	for b.Loop() {
		var h queue.Household
		if err := decodeJSON(body, &h); err != nil {
			b.Fatal(err)
		}
	}
}
