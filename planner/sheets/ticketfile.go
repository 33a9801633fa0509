package sheets

import (
	"io"
	"strconv"

	"natq/planner/ticketcsv"
)

// Ticket is one pre-booked household's ticket, as the queue service's
// pre-booking export writes it (the format is natq/planner/ticketcsv's).
type Ticket = ticketcsv.Ticket

// ReadTickets reads the queue service's pre-booking CSV: every row, those
// that got no ticket (Error set) too, so that the caller can say so.
func ReadTickets(r io.Reader) ([]Ticket, error) { return ticketcsv.Read(r) }

// CheckTickets refuses tickets that do not belong to the plan: another
// compound, another day, or times in another zone would print cards whose
// time or place is wrong, and a card on an elderly resident's door cannot
// be corrected.
func CheckTickets(p *Plan, ts []Ticket) error {
	for _, t := range ts {
		where := "tickets CSV"
		if t.Row > 0 {
			where += ", the household of request row " + strconv.Itoa(t.Row) + ","
		}
		switch {
		case t.Compound != p.Compound.ID:
			return badInput("%s is for compound %s; the plan is for %s (%s)", where, t.Compound, p.Compound.ID, p.Compound.Name)
		case p.Params.TZ == "":
			return badInput("the plan states no time zone, so the tickets' times cannot be checked against it: plan again with natq plan")
		case t.TZ != p.Params.TZ:
			return badInput("%s has its times in %s, the plan in %s: pre-book against the plan the queue serves, or print with that plan", where, t.TZ, p.Params.TZ)
		case t.Date != p.Params.Date:
			return badInput("%s is for %s, the plan for %s: pre-book against the plan the queue serves, or print with that plan", where, t.Date, p.Params.Date)
		case p.Building(t.Building) == nil:
			return badInput("%s names building %s, which is not in the plan", where, t.Building)
		}
	}
	return nil
}

// cards are the rows that hold a ticket.
func cards(ts []Ticket) []Ticket { return ticketcsv.Tickets(ts) }
