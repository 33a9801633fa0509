package sheets

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
)

// PrintAll writes every sheet of a plan into dir, one file per sheet:
//
//	building-{id}.{ext}         one per building
//	buildings.pdf               every building sheet in one PDF (PDF only)
//	tickets.{ext}               when there are tickets
//	marker-{variant}-{site}.{ext}
//	battle-{variant}.{ext}
//
// Each file is written whole or not at all. It returns the paths written.
func PrintAll(dir string, p *Plan, tickets []Ticket, f Format, opts Options) ([]string, error) {
	if _, err := opts.fonts(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var written []string
	write := func(name string, render func(w io.Writer) error) error {
		var buf bytes.Buffer
		if err := render(&buf); err != nil {
			return err
		}
		path := filepath.Join(dir, name)
		if err := writeAtomic(path, buf.Bytes()); err != nil {
			return err
		}
		written = append(written, path)
		return nil
	}
	ext := "." + f.Ext()
	for _, b := range p.Buildings {
		if err := write("building-"+fileSafe(b.ID)+ext, func(w io.Writer) error {
			return BuildingSheet(w, p, b.ID, f, opts)
		}); err != nil {
			return written, err
		}
	}
	if f == PDF {
		if err := write("buildings.pdf", func(w io.Writer) error { return BuildingSheets(w, p, f, opts) }); err != nil {
			return written, err
		}
	}
	if len(tickets) > 0 {
		if err := write("tickets"+ext, func(w io.Writer) error { return TicketCards(w, p, tickets, f, opts) }); err != nil {
			return written, err
		}
	}
	for _, v := range p.Variants {
		for _, s := range p.UsedSites(v) {
			if err := write(fmt.Sprintf("marker-%s-%s%s", fileSafe(v), fileSafe(s.ID), ext), func(w io.Writer) error {
				return MarkerPlan(w, p, s.ID, v, f, opts)
			}); err != nil {
				return written, err
			}
		}
		if err := write("battle-"+fileSafe(v)+ext, func(w io.Writer) error { return BattleMap(w, p, v, f, opts) }); err != nil {
			return written, err
		}
	}
	return written, nil
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9_.-]`)

// fileSafe keeps ids (URL-safe by the plan contract) safe as file names
// even when a plan breaks the contract.
func fileSafe(s string) string {
	s = unsafeChars.ReplaceAllString(s, "_")
	if s == "" || s == "." || s == ".." {
		s = "_"
	}
	return s
}

func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".natq-print-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}
