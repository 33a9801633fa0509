package sheets

import "natq/qr"

// qrModules returns the dark modules of a QR code for s, without the quiet
// zone, which the caller leaves white. natq/qr owns the QR library.
func qrModules(s string) ([][]bool, error) { return qr.Modules(s) }
