// Package qr signs ticket tokens and draws them as QR codes (PNG and SVG).
//
// A ticket token names its compound and ticket number and carries a
// truncated HMAC-SHA256 over both, so a forged or altered token is refused
// by Verify without asking any store. Tokens are short (about 30 bytes for
// a typical OSM compound id) so that the ticket page URL fits a small QR
// code a phone camera or a handheld scanner reads at arm's length.
package qr

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"sync"

	qrcode "github.com/skip2/go-qrcode"
)

// ErrBadToken is returned by Verify for any token that was not signed by
// this Signer's secret: forged, altered, truncated or random.
var ErrBadToken = errors.New("qr: bad ticket token")

// macLen is the number of HMAC bytes kept: 12 bytes = 96 bits, far beyond
// what an online guesser behind a rate limit can reach, and 16 characters.
const macLen = 12

// Signer signs and verifies ticket tokens with one secret.
type Signer struct {
	secret []byte
	// macs are HMAC states keyed with the secret, reset after each use:
	// keying one hashes two blocks and allocates, and every ticket read
	// verifies a token and signs one.
	macs sync.Pool
}

// NewSigner returns a Signer for secret, which must be at least 16 bytes.
func NewSigner(secret []byte) (*Signer, error) {
	if len(secret) < 16 {
		return nil, errors.New("qr: secret shorter than 16 bytes")
	}
	s := &Signer{secret: bytes.Clone(secret)}
	s.macs.New = func() any { return hmac.New(sha256.New, s.secret) }
	return s, nil
}

// Sign returns the token for ticket id of compound: "compound.id.mac",
// id in base 36. The compound id is URL-safe ([A-Za-z0-9_.-]); the id and
// MAC contain no '.', so a token splits from the right.
func (s *Signer) Sign(compound string, id uint64) string {
	ids := strconv.FormatUint(id, 36)
	return compound + "." + ids + "." + s.mac(compound, ids)
}

// Verify returns the compound and ticket id a token names, or ErrBadToken.
func (s *Signer) Verify(token string) (compound string, id uint64, err error) {
	if len(token) > 200 {
		return "", 0, ErrBadToken
	}
	j := strings.LastIndexByte(token, '.')
	if j < 0 {
		return "", 0, ErrBadToken
	}
	i := strings.LastIndexByte(token[:j], '.')
	if i <= 0 {
		return "", 0, ErrBadToken
	}
	compound, ids, mac := token[:i], token[i+1:j], token[j+1:]
	if !hmac.Equal([]byte(mac), []byte(s.mac(compound, ids))) {
		return "", 0, ErrBadToken
	}
	id, err = strconv.ParseUint(ids, 36, 64)
	if err != nil || strconv.FormatUint(id, 36) != ids {
		return "", 0, ErrBadToken
	}
	return compound, id, nil
}

// Fingerprint names the secret without giving it away: an HMAC, under the
// secret, of a message no token's MAC is made of. Instances that sign the
// same compound's tickets compare it (the queue keeps it with each round),
// so that one started with another secret is refused rather than answer
// "no such ticket" to every code the others printed.
func (s *Signer) Fingerprint() string {
	h := hmac.New(sha256.New, s.secret)
	h.Write([]byte("natq-secret-fingerprint"))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:12])
}

func (s *Signer) mac(compound, ids string) string {
	h := s.macs.Get().(hash.Hash)
	var msg [128]byte
	m := append(append(append(append(msg[:0], "natq-ticket\x00"...), compound...), 0), ids...)
	h.Write(m)
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	h.Reset()
	s.macs.Put(h)
	return base64.RawURLEncoding.EncodeToString(sum[:macLen])
}

// EncodePNG returns a PNG QR code of s, size pixels square.
func EncodePNG(s string, size int) ([]byte, error) {
	q, err := qrcode.New(s, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	return q.PNG(size)
}

// EncodeSVG returns an SVG QR code of s: one path of unit squares with a
// viewBox, so it scales to any print size without blurring.
func EncodeSVG(s string) ([]byte, error) {
	q, err := qrcode.New(s, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	bm := q.Bitmap() // includes the quiet zone
	n := len(bm)
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges">`, n, n)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y, row := range bm {
		for x, dark := range row {
			if dark {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x, y)
			}
		}
	}
	b.WriteString(`"/></svg>`)
	return b.Bytes(), nil
}

// Modules returns the dark modules of a QR code of s, row by row, without
// the quiet zone (the caller leaves it white), at the High recovery level
// (about 25%, the QR standard's Q), which printed sheets that get folded,
// wet or smudged want.
func Modules(s string) ([][]bool, error) {
	q, err := qrcode.New(s, qrcode.High)
	if err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	q.DisableBorder = true
	return q.Bitmap(), nil
}
