package qr

import "testing"

// BenchmarkSign signs a ticket token, as every ticket answer does.
func BenchmarkSign(b *testing.B) {
	s, err := NewSigner([]byte("0123456789abcdef-secret"))
	if err != nil {
		b.Fatal(err)
	}
	var id uint64
	for b.Loop() {
		id++
		_ = s.Sign("w226684173", id)
	}
}

// BenchmarkVerify verifies a good token, as every ticket read, check-in
// and QR request does before Redis is asked.
func BenchmarkVerify(b *testing.B) {
	s, err := NewSigner([]byte("0123456789abcdef-secret"))
	if err != nil {
		b.Fatal(err)
	}
	tok := s.Sign("w226684173", 4096)
	for b.Loop() {
		if _, _, err := s.Verify(tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyForged refuses a forged token: what a client guessing
// tickets costs the server.
func BenchmarkVerifyForged(b *testing.B) {
	s, err := NewSigner([]byte("0123456789abcdef-secret"))
	if err != nil {
		b.Fatal(err)
	}
	tok := []byte(s.Sign("w226684173", 4096))
	tok[len(tok)-1] ^= 1
	forged := string(tok)
	for b.Loop() {
		if _, _, err := s.Verify(forged); err == nil {
			b.Fatal("forged token verified")
		}
	}
}

// BenchmarkEncodePNG draws a ticket page URL's QR code at the resident
// page's size.
func BenchmarkEncodePNG(b *testing.B) {
	for b.Loop() {
		if _, err := EncodePNG("https://natq.example/t/w226684173.37k.abcdefghijklmnop", 256); err != nil {
			b.Fatal(err)
		}
	}
}
