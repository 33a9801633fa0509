package server

import (
	"encoding/json"
	"testing"

	"natq/queue"
)

// FuzzDecodeJSON: the strict request decoder never panics, and accepts
// only what encoding/json accepts too, into the same value.
func FuzzDecodeJSON(f *testing.F) {
	f.Add([]byte(`{"building":"b1","unit":"1","room":"301","party":3}`))
	f.Add([]byte(`{"party":1,"PARTY":2}`))
	f.Add([]byte(`{"a":[{"b":1},{"b":2}]} `))
	f.Add([]byte("{\"room\":\"\xff\"}"))
	f.Fuzz(func(t *testing.T, body []byte) {
		var strict, plain queue.Household
		if decodeJSON(body, &strict) != nil {
			return
		}
		if err := json.Unmarshal(body, &plain); err != nil {
			t.Fatalf("decodeJSON(%q) accepted what encoding/json refuses: %v", body, err)
		}
		if strict != plain {
			t.Errorf("decodeJSON(%q) = %+v, encoding/json %+v", body, strict, plain)
		}
	})
}
