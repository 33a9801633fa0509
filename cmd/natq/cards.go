package main

import (
	"fmt"
	"io"

	"natq/planner/errs"
	"natq/planner/planfile"
	"natq/planner/sheets"
	"natq/planner/ticketcsv"
)

// cardPrinter prints the ticket cards of the queue's pre-booking route
// (server.Options.Cards) in fonts. One print runs at a time, so that a
// coordinator printing a hundred pages does not take the cores the
// morning's bookings need. The plan's sheets model is made for each print:
// 3 ms for the contest compound, against some 4 ms a card.
func cardPrinter(fonts *sheets.Fonts) func(io.Writer, *planfile.File, []ticketcsv.Ticket) error {
	one := make(chan struct{}, 1)
	return func(w io.Writer, f *planfile.File, ts []ticketcsv.Ticket) error {
		one <- struct{}{}
		defer func() { <-one }()
		p, err := sheets.FromFile(f)
		if err != nil {
			return err
		}
		return sheets.TicketCards(w, p, ts, sheets.PDF, sheets.Options{Fonts: fonts})
	}
}

// serverFonts are the fonts natq serve prints cards in: path's, or the
// system's. None is not an error: the instance serves without printing,
// and says why once at start.
func serverFonts(e *env, path string) (*sheets.Fonts, error) {
	if path != "" {
		f, err := sheets.LoadFonts(path)
		if err != nil {
			return nil, errs.BadFile(fmt.Errorf("--font: %w", err))
		}
		return f, nil
	}
	f, err := sheets.DefaultFonts()
	if err != nil {
		fmt.Fprintf(e.stderr, "natq serve: WARNING: ticket cards cannot be printed from the coordinator's page: %v\n", err)
		return nil, nil
	}
	return f, nil
}
