package sheets

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"sync"
)

// PrintAll writes every sheet of a plan into dir, one file per sheet:
//
//	building-{id}.{ext}         one per building
//	buildings.pdf               with Options.Combined: every building sheet in one PDF
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
	// Sheets are independent: render them on every CPU. Text layout is
	// serialised inside Fonts; drawing, compression and subsetting are not.
	type job struct {
		name   string
		render func(w io.Writer) error
	}
	var jobs []job
	add := func(name string, render func(w io.Writer) error) { jobs = append(jobs, job{name, render}) }
	ext := "." + f.Ext()
	for _, b := range p.Buildings {
		add("building-"+fileSafe(b.ID)+ext, func(w io.Writer) error { return BuildingSheet(w, p, b.ID, f, opts) })
	}
	if f == PDF && opts.Combined {
		add("buildings.pdf", func(w io.Writer) error { return BuildingSheets(w, p, f, opts) })
	}
	if len(tickets) > 0 {
		add("tickets"+ext, func(w io.Writer) error { return TicketCards(w, p, tickets, f, opts) })
	}
	for _, v := range p.Variants {
		for _, s := range p.UsedSites(v) {
			add(fmt.Sprintf("marker-%s-%s%s", fileSafe(v), fileSafe(s.ID), ext), func(w io.Writer) error {
				return MarkerPlan(w, p, s.ID, v, f, opts)
			})
		}
		add("battle-"+fileSafe(v)+ext, func(w io.Writer) error { return BattleMap(w, p, v, f, opts) })
	}
	// The big jobs first, so that no CPU is left with one at the end.
	weight := func(name string) int {
		switch name {
		case "buildings.pdf":
			return 0
		case "tickets" + ext:
			return 1
		}
		return 2
	}
	sort.SliceStable(jobs, func(i, j int) bool { return weight(jobs[i].name) < weight(jobs[j].name) })

	errs := make([]error, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range max(1, min(runtime.GOMAXPROCS(0), len(jobs))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				var buf bytes.Buffer
				if err := jobs[i].render(&buf); err != nil {
					errs[i] = err
					continue
				}
				errs[i] = writeAtomic(filepath.Join(dir, jobs[i].name), buf.Bytes())
			}
		}()
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
	var written []string
	for i, j := range jobs {
		if errs[i] == nil {
			written = append(written, filepath.Join(dir, j.name))
		}
	}
	return written, errors.Join(errs...)
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
