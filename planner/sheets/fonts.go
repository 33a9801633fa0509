package sheets

import (
	"fmt"
	"image/color"
	"os"
	"strings"
	"sync"

	"github.com/tdewolff/canvas"
	"github.com/tdewolff/font"
)

// Fonts are the faces the sheets are set in: a Chinese font, and a Latin
// one for when the Chinese font has no Latin letters (Droid Sans Fallback
// has none). Both are embedded, subset, in every PDF.
type Fonts struct {
	CJKPath, LatinPath string
	cjk, latin         *canvas.FontFamily
	cjkFont            *canvas.Font

	// shaping guards text layout: the shaper's harfbuzz font is not
	// documented as safe for concurrent use, and the server prints from
	// many requests with one Fonts.
	shaping sync.Mutex
	// subsetting guards PDF writing: tdewolff/font's SFNT.Subset writes
	// glyph counts into the font it subsets (a pointer copy of maxp, head
	// and hhea), harmless one at a time, a data race two at a time.
	subsetting sync.Mutex
	laidOut    map[textKey]*canvas.Text // texts repeat across sheets: names, legends
}

type textKey struct {
	size float64
	s    string
	col  color.RGBA
}

// A CJK font must be a TrueType-outline font: canvas cannot subset the
// CID-keyed CFF fonts of Noto Sans CJK (fonts-noto-cjk), and embedding them
// whole would put 16 MB into every sheet.
var cjkFontPaths = []string{
	"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", // fonts-droid-fallback
	"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",            // fonts-wqy-microhei
	"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",              // fonts-wqy-zenhei
	"/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf",    // fonts-arphic-gbsn00lp
	"/usr/share/fonts/truetype/arphic/uming.ttc",                // fonts-arphic-uming
	"/usr/share/fonts/truetype/droid/DroidSansFallback.ttf",
	"/usr/share/fonts/droid/DroidSansFallbackFull.ttf",
	"/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",
	"/usr/share/fonts/TTF/DroidSansFallbackFull.ttf",
}

var latinFontPaths = []string{
	"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",                 // fonts-dejavu-core
	"/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf", // fonts-liberation
	"/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
	"/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
	"/usr/share/fonts/TTF/DejaVuSans.ttf",
}

// CJKFontPackage is the Debian package that provides the font natq looks
// for first.
const CJKFontPackage = "fonts-droid-fallback"

// family is the name the SVGs give every text: the reader's own sans-serif,
// which on any phone covers Chinese.
const family = "sans-serif"

var (
	defaultFontsOnce sync.Once
	defaultFonts     *Fonts
	defaultFontsErr  error
)

// DefaultFonts finds a Chinese font (and a Latin one if needed) among the
// system's fonts. The result is shared: loading a CJK font takes tens of
// milliseconds.
func DefaultFonts() (*Fonts, error) {
	defaultFontsOnce.Do(func() { defaultFonts, defaultFontsErr = LoadFonts("") })
	return defaultFonts, defaultFontsErr
}

// LoadFonts loads the Chinese font at path, or when path is empty the first
// usable one of the system's.
func LoadFonts(path string) (*Fonts, error) {
	fs := &Fonts{}
	if path != "" {
		fam, err := loadFamily(path)
		if err != nil {
			return nil, err
		}
		fs.CJKPath, fs.cjk = path, fam
	} else {
		var tried []string
		for _, p := range cjkFontPaths {
			if _, err := os.Stat(p); err != nil {
				continue
			}
			fam, err := loadFamily(p)
			if err != nil {
				tried = append(tried, err.Error())
				continue
			}
			fs.CJKPath, fs.cjk = p, fam
			break
		}
		if fs.cjk == nil {
			msg := fmt.Sprintf("no Chinese font found; install the Debian package %s (apt-get install %s) or pass --font FILE with a TrueType Chinese font", CJKFontPackage, CJKFontPackage)
			if len(tried) > 0 {
				msg += " (" + strings.Join(tried, "; ") + ")"
			}
			return nil, fmt.Errorf("sheets: %s", msg)
		}
	}
	fs.cjkFont = fs.cjk.Face(10).Font
	if fs.cjkFont.SFNT.GlyphIndex('A') == 0 || fs.cjkFont.SFNT.GlyphIndex('7') == 0 {
		for _, p := range latinFontPaths {
			if _, err := os.Stat(p); err != nil {
				continue
			}
			if fam, err := loadFamily(p); err == nil {
				fs.LatinPath, fs.latin = p, fam
				break
			}
		}
		if fs.latin == nil {
			return nil, fmt.Errorf("sheets: %s has no Latin letters and no Latin font was found; install the Debian package fonts-dejavu-core", fs.CJKPath)
		}
	}
	return fs, nil
}

// loadFamily loads the first font of a file (or collection) and checks
// that it can be embedded as a subset.
func loadFamily(path string) (*canvas.FontFamily, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sheets: font: %w", err)
	}
	fam := canvas.NewFontFamily(family)
	if err := fam.LoadFont(b, 0, canvas.FontRegular); err != nil {
		return nil, fmt.Errorf("sheets: font %s: %v", path, err)
	}
	// No ligatures: "fl" as one glyph reads as U+FB02 to pdftotext and
	// to a search for "floors".
	fam.SetFeatures("liga=0,clig=0")
	f := fam.Face(10).Font
	gids := []uint16{0}
	for _, r := range "中A" {
		if g := f.SFNT.GlyphIndex(r); g != 0 {
			gids = append(gids, g)
		}
	}
	if _, err := f.SFNT.Subset(gids, font.SubsetOptions{Tables: font.KeepPDFTables}); err != nil {
		return nil, fmt.Errorf("sheets: font %s cannot be embedded as a subset (%v); use a TrueType font such as %s's", path, err, CJKFontPackage)
	}
	return fam, nil
}

// hasCJK reports whether the Chinese font draws the rune.
func (fs *Fonts) hasCJK(r rune) bool { return fs.cjkFont.SFNT.GlyphIndex(r) != 0 }
