package planfile_test

import (
	"bytes"
	"os"
	"testing"

	"natq/planner/planfile"
)

// BenchmarkRead reads the contest compound's golden plan (1.3 MB, 2,300
// features): what natq serve does once per plan at start.
func BenchmarkRead(b *testing.B) {
	data, err := os.ReadFile("../testdata/golden/contest.plan.geojson")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		if _, err := planfile.Read(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
