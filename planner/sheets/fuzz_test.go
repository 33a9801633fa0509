package sheets

import (
	"strings"
	"testing"
)

// FuzzReadTickets feeds the ticket CSV reader anything: tickets or an
// error, never a panic. Seeds: testdata/fuzz/FuzzReadTickets.
func FuzzReadTickets(f *testing.F) {
	f.Add("building,unit,room,party,ticket,site,window_start,window_end,url\n" +
		"b1,,101,1,c1.1.AAAA,s1,2026-12-01T07:00:00+08:00,2026-12-01T07:15:00+08:00,https://natq.test/t/c1.1.AAAA\n")
	f.Add("row,name,building,unit,room,party,ticket\n1,王奶奶,b1,,201,1,c1.2.BBBB\n")
	f.Add("building\n\"\n")
	f.Fuzz(func(t *testing.T, csv string) {
		ReadTickets(strings.NewReader(csv))
	})
}
