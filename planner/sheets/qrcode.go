package sheets

import (
	qrcode "github.com/skip2/go-qrcode"
)

// qrModules returns the dark modules of a QR code for s, without the quiet
// zone, which the caller leaves white.
//
// This is the only use of go-qrcode in sheets; it moves to natq/qr once
// that package lands (DESIGN: one package owns each dependency).
func qrModules(s string) ([][]bool, error) {
	q, err := qrcode.New(s, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	q.DisableBorder = true
	return q.Bitmap(), nil
}
