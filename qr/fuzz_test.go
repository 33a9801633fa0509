package qr

import (
	"strings"
	"testing"
)

// FuzzVerify: no token, however made, panics Verify, and every token it
// accepts is exactly the one Sign makes for what it names (no second
// spelling of a ticket). Seeds: testdata/fuzz/FuzzVerify.
func FuzzVerify(f *testing.F) {
	s, _ := NewSigner([]byte("fuzz-secret-0123456789"))
	f.Add(s.Sign("c1", 1))
	f.Add(s.Sign("way-123.x", 1<<40))
	f.Add("c1.1.AAAAAAAAAAAAAAAA")
	f.Add("..")
	f.Fuzz(func(t *testing.T, token string) {
		c, id, err := s.Verify(token)
		if err != nil {
			return
		}
		if again := s.Sign(c, id); again != token {
			t.Errorf("Verify(%q) = %q, %d; but Sign gives %q", token, c, id, again)
		}
	})
}

// FuzzSignVerify: a signed token verifies to what was signed.
func FuzzSignVerify(f *testing.F) {
	s, _ := NewSigner([]byte("fuzz-secret-0123456789"))
	f.Add("c1", uint64(1))
	f.Add("a.b.c", uint64(0))
	f.Fuzz(func(t *testing.T, compound string, id uint64) {
		tok := s.Sign(compound, id)
		c, got, err := s.Verify(tok)
		if compound == "" || len(tok) > 200 {
			if err == nil && (c != compound || got != id) {
				t.Errorf("Verify(Sign(%q, %d)) = %q, %d", compound, id, c, got)
			}
			return
		}
		if err != nil || c != compound || got != id {
			t.Errorf("Verify(Sign(%q, %d)) = %q, %d, %v", compound, id, c, got, err)
		}
		if strings.Count(tok, ".") < 2 {
			t.Errorf("token %q has fewer than two dots", tok)
		}
	})
}
