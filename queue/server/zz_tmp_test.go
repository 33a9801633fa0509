package server

import (
	"testing"

	jsonv1 "github.com/go-json-experiment/json/v1"

	"natq/queue"
)

func BenchmarkZZEncodeBooking(b *testing.B) {
	tk := sampleTicket()
	v := &queue.Booking{Ticket: tk.Ticket, ID: 123, Site: "s8", SiteName: "北广场", Window: tk.Window, Party: 2, URL: tk.URL, Household: tk.Household}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := jsonv1.Marshal(v); err != nil {
			b.Fatal(err)
		}
	}
}
