// Package sheets prints a plan: building sheets, ticket cards, marker plans
// and battle maps, as A4 PDF and as SVG.
//
// Every sheet is drawn once, in millimetres on an A4 page, through
// tdewolff/canvas, which writes both formats; maps are drawn in true metres
// (a local plane around the compound) at a stated scale, north up, with a
// scale bar, a north arrow and a legend in Chinese and English. Fonts are
// embedded as subsets in PDFs; SVGs name the reader's sans-serif instead,
// so that the resident page can reuse them at a few kilobytes each.
package sheets

import (
	"fmt"
	"net/url"
	"strings"

	"natq/planner/errs"
)

// Format is an output format.
type Format int

// The formats sheets are written in.
const (
	PDF Format = iota
	SVG
)

// ParseFormat parses "pdf" or "svg".
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "pdf", "":
		return PDF, nil
	case "svg":
		return SVG, nil
	}
	return PDF, badInput("unknown format %q (want pdf or svg)", s)
}

// Ext is the file name extension of the format, without the dot.
func (f Format) Ext() string {
	if f == SVG {
		return "svg"
	}
	return "pdf"
}

func (f Format) String() string { return f.Ext() }

// ContentType is the format's MIME type, for serving sheets over HTTP.
func (f Format) ContentType() string {
	if f == SVG {
		return "image/svg+xml"
	}
	return "application/pdf"
}

// Options are what a sheet needs beyond the plan.
type Options struct {
	// BaseURL is where the resident pages live; building sheets' QR codes
	// point at BaseURL/c/{compound}/b/{building}. Building sheets refuse
	// to print without one.
	BaseURL string
	// Fonts to set the sheets in; nil means DefaultFonts.
	Fonts *Fonts
	// Combined makes PrintAll also write buildings.pdf, every building
	// sheet in one file for one print job. It costs as much again as the
	// building sheets themselves, so it is asked for, not assumed.
	Combined bool
}

func (o Options) fonts() (*Fonts, error) {
	if o.Fonts != nil {
		return o.Fonts, nil
	}
	return DefaultFonts()
}

// ResidentURL is the resident page of a building, which its sheet's QR
// code encodes.
func ResidentURL(base, compound, building string) string {
	base = strings.TrimRight(base, "/")
	return fmt.Sprintf("%s/c/%s/b/%s", base, url.PathEscape(compound), url.PathEscape(building))
}

// variantName is a variant's bilingual name.
func variantName(v string) string {
	switch v {
	case "dry":
		return "晴天 Dry"
	case "wet":
		return "雨天 Wet"
	}
	return v
}

// roleName is a post role's bilingual name.
func roleName(r string) string {
	switch r {
	case "coordinator":
		return "协调员 Coordinator"
	case "marshal":
		return "引导员 Marshal"
	case "caller":
		return "楼栋喊号 Caller"
	case "guard":
		return "门岗 Guard"
	case "door-to-door":
		return "上门采样 Door-to-door"
	}
	return r
}

// badInput is what natq cannot print (errs.Invalid).
func badInput(format string, a ...any) error { return errs.Invalidf("sheets: "+format, a...) }
