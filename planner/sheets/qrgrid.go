package sheets

import "math"

// qrGrid places a QR code of n modules (quiet zone included) in the
// size mm square at (x, y): the module a whole number of 1/300 inch
// pixels and the code's corner on the 1/150 inch grid from the page's top
// left, so that a page rendered at 150 or 300 dpi (pdftoppm, a scanner,
// a fax) has every module the same width in pixels. With fractional
// modules, zbar reading a whole page of cards missed a code in a
// hundred, depending only on where the card sat. The code shrinks by at
// most one pixel per module, centred in its square.
func (d *doc) qrGrid(x, y, size float64, n int) (x0, y0, m float64) {
	const fine, coarse = 25.4 / 300, 25.4 / 150
	m = size / float64(n)
	if k := math.Floor(m / fine); k >= 2 {
		m = k * fine
	}
	w := m * float64(n)
	x0 = x + (size-w)/2
	top := d.pageH - (y + (size+w)/2) // from the page's top edge
	top = math.Round(top/coarse) * coarse
	x0 = math.Round(x0/coarse) * coarse
	return x0, d.pageH - top - w, m
}

// turn rotates a square module matrix k quarter turns clockwise; a QR
// code reads the same at any turn.
func turn(m [][]bool, k int) [][]bool {
	for ; k%4 > 0; k-- {
		n := len(m)
		r := make([][]bool, n)
		for i := range r {
			r[i] = make([]bool, n)
			for j := range r[i] {
				r[i][j] = m[n-1-j][i]
			}
		}
		m = r
	}
	return m
}
