package qr

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestSignVerify(t *testing.T) {
	s, err := NewSigner([]byte("0123456789abcdef-secret"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		compound string
		id       uint64
	}{{"w226684173", 1}, {"a.b-c_d", 123456789}, {"x", 0}} {
		tok := s.Sign(c.compound, c.id)
		gotC, gotID, err := s.Verify(tok)
		if err != nil || gotC != c.compound || gotID != c.id {
			t.Errorf("Verify(%q) = %q, %d, %v, want %q, %d", tok, gotC, gotID, err, c.compound, c.id)
		}
	}
	if tok := s.Sign("w226684173", 4096); len(tok) > 40 {
		t.Errorf("Sign = %q, %d bytes, want at most 40", tok, len(tok))
	}
}

func TestVerifyRefuses(t *testing.T) {
	s, _ := NewSigner([]byte("0123456789abcdef-secret"))
	other, _ := NewSigner([]byte("another-secret-of-16+"))
	good := s.Sign("w1", 42)
	flip := []byte(good)
	flip[len(flip)-1] ^= 1
	bad := map[string]string{
		"empty":         "",
		"truncated":     good[:len(good)-1],
		"no mac":        "w1.16",
		"altered id":    strings.Replace(good, ".16.", ".17.", 1),
		"altered site":  "w2" + good[2:],
		"flipped bit":   string(flip),
		"other secret":  other.Sign("w1", 42),
		"random":        "c2VjcmV0LXRva2VuLXJhbmRvbQ",
		"leading zero":  strings.Replace(good, ".16.", ".016.", 1),
		"long":          strings.Repeat("a.", 200),
		"dots":          "..",
		"uppercase mac": strings.ToUpper(good),
	}
	for name, tok := range bad {
		t.Run(name, func(t *testing.T) {
			if _, _, err := s.Verify(tok); !errors.Is(err, ErrBadToken) {
				t.Errorf("Verify(%q) = %v, want ErrBadToken", tok, err)
			}
		})
	}
}

func TestEncode(t *testing.T) {
	png, err := EncodePNG("https://natq.example/t/w1.16.abc", 256)
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("EncodePNG = %d bytes, %v", len(png), err)
	}
	svg, err := EncodeSVG("https://natq.example/t/w1.16.abc")
	if err != nil || !bytes.HasPrefix(svg, []byte("<svg")) || !bytes.Contains(svg, []byte("h1v1h-1z")) {
		t.Fatalf("EncodeSVG = %.80s, %v", svg, err)
	}
}

func TestModules(t *testing.T) {
	m, err := Modules("https://natq.example/t/w1.16.abc")
	if err != nil {
		t.Fatal(err)
	}
	n := len(m)
	if n < 21 || (n-21)%4 != 0 || len(m[0]) != n {
		t.Fatalf("Modules = %dx%d, want a QR version's square (21+4k)", n, len(m[0]))
	}
	// The finder pattern's corner is dark: there is no quiet zone.
	if !m[0][0] || !m[0][n-1] || !m[n-1][0] {
		t.Errorf("Modules corners not dark: the quiet zone is included")
	}
}

// TestFingerprint: the same secret gives the same fingerprint, another
// secret another, and the fingerprint is no ticket's MAC.
func TestFingerprint(t *testing.T) {
	a, _ := NewSigner([]byte("0123456789abcdef-one"))
	a2, _ := NewSigner([]byte("0123456789abcdef-one"))
	b, _ := NewSigner([]byte("0123456789abcdef-two"))
	if a.Fingerprint() != a2.Fingerprint() || a.Fingerprint() == b.Fingerprint() || a.Fingerprint() == "" {
		t.Errorf("fingerprints %q %q %q; want the first two equal, the third other", a.Fingerprint(), a2.Fingerprint(), b.Fingerprint())
	}
	if _, _, err := a.Verify("c1.0." + a.Fingerprint()); err == nil {
		t.Errorf("the fingerprint verifies as a ticket's MAC")
	}
}
