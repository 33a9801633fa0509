package queue

import (
	"fmt"
	"testing"
)

// TestStaffOfRemembersHashes: a token's hash is the same read from the
// memory as made afresh, what cannot be a token is refused and never
// remembered, and tokens made up by the thousand hold no more than
// maxTokenHashes entries.
func TestStaffOfRemembersHashes(t *testing.T) {
	s := &Service{}
	for i := 0; i < 2; i++ {
		st, err := s.StaffOf("c1.abc")
		if err != nil || st.Compound != "c1" || st.hash != hashToken("c1.abc") {
			t.Fatalf("StaffOf(c1.abc), time %d = %+v, %v; want compound c1, hash %s", i+1, st, err, hashToken("c1.abc"))
		}
	}
	for _, bad := range []string{"", "nodot", ".abc", "c 1.abc", "c1|x.abc"} {
		for i := 0; i < 2; i++ {
			if st, err := s.StaffOf(bad); err != ErrUnauthorized {
				t.Errorf("StaffOf(%q), time %d = %+v, %v; want ErrUnauthorized", bad, i+1, st, err)
			}
		}
		if _, ok := s.tokens.get(bad); ok {
			t.Errorf("StaffOf(%q) remembered it", bad)
		}
	}
	for i := 0; i < 3*maxTokenHashes; i++ {
		tok := fmt.Sprintf("c1.made-up-%d", i)
		if st, err := s.StaffOf(tok); err != nil || st.hash != hashToken(tok) {
			t.Fatalf("StaffOf(%s) = %+v, %v", tok, st, err)
		}
		if n := len(s.tokens.m); n > maxTokenHashes {
			t.Fatalf("%d tokens remembered after %d made up; want at most %d", n, i+1, maxTokenHashes)
		}
	}
}
