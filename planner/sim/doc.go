// Package sim plays a testing day from a plan before it happens: residents
// leave their doors around their windows, walk their routes, join the
// site's one-metre line, are sampled at its desks and walk home; the
// report says how long the lines grew against their markers and how long
// people waited.
//
// # Model
//
// A Day (read from a plan file by ReadPlan, or built by hand) holds, per
// weather variant, the sites (desks, markers), the windows (site, start,
// end, capacity, the groups of households called) and the walking time
// from each building (and unit) to its site. Each run draws the households
// of every group (party sizes around the building's residents per
// household), then for each party: a no-show (never comes), a walk-in
// (comes without a booking, at any time of its site's day), or a booked
// arrival at a uniform time inside its window, moved early or late for a
// share of parties. It leaves its door that long before, walking at a
// drawn speed. At the site it checks in as the queue service's
// checkin.lua does: not earlier than Early before its window (it waits
// aside until then), and only if the line has room for its whole party;
// if not, the line guard turns it back and it waits at its building
// until the caller there releases it (first held, first released, when
// the line has room for it and those already walking), and walks again.
// The line holds people checked in or called, which is what the queue
// counts against the markers; desks take the earliest checked-in party,
// one sample per person, each with a gamma-distributed time of mean
// 3600/rate seconds and the given coefficient of variation (0 is fixed,
// 1 exponential).
//
// What-ifs change a run: a rain switch at a time (tickets follow to the
// wet variant by package rainswitch, the queue service's rule; people in
// a line stay in it, or walk to the line of the site the rule moves them
// to and keep their place by check-in time there), desks lost
// at a site from a time, a larger late share. Simulate's Report compares
// each with the base run. Sample times come from one random stream per
// site, so a what-if at one site leaves the others' draws as they were.
//
// # During the day and after it
//
// Forecast runs the same model forward from what the queue knows of a
// site now (the line, the desks, the samples so far, the tickets still to
// come): the desks' pace measured from the day's call-to-sample times,
// weighed against the plan's rate while few have been sampled, gives each
// party in line its turn ("about 08:25") as the median over runs. ReplayLog
// compares a finished round's event log (ReadLog: the queue's ticket
// fields as CSV or JSON) with the prediction, and measures from it the
// parameters to calibrate the model with.
//
// # Why an engine of our own
//
// The model needs a clock, a heap of timed events and a few queues; the
// Go discrete-event libraries (godes, simgo and the like) add goroutine
// processes or reflection for that, which costs more than the whole model
// runs for (the contest compound's day, both variants, 100 runs each,
// takes one to two seconds on two shared cores), hides the line guard's bookkeeping in callbacks,
// and brings a dependency for forty lines of heap. Runs are independent
// and reproducible: run i draws from its own generator seeded Seed+i.
package sim
