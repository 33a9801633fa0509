// Package planner turns a compound's geometry into the plan of its testing
// day: where the sampling desks stand, who walks which way to them in dry
// and in wet weather, and when each building comes down. It is a pure
// library: geometry in, plan out, no clock and no I/O but what the caller
// hands it.
//
// # The model
//
// A plan is made in this order; each step reads only what the steps before
// it made.
//
//   - Compound. [Read] parses a GeoJSON or OSM file into a [Source]
//     ([ReadFrom] reads GeoJSON as a stream, a feature at a time), and
//     [Source.Compounds] finds its compounds: buildings with their
//     residents, entrances, walkways, candidate sites and gates, each held
//     in lon/lat and in the compound's local metric plane ([Projection]).
//     A city's compounds are found by [Source.Outlines] and read one at a
//     time by [Source.Fill], each from the features a grid over their
//     bounds puts near it, so that finding them is linear in the file.
//   - Network. The walkways become one graph in that plane, with every
//     entrance and gate joined to its nearest walkway, and every site to
//     each walkway within [SiteJoin] of its edge ([Joint]): a square with
//     paths on three sides is entered from all three.
//   - Candidate layouts. Every site joined to the network is set out for
//     the plan's spacing: a strip of desks, a serpentine queue line and a
//     floor marker every metre, or every [Params].Spacing ([Layout]). The
//     line's markers are the most people it holds.
//   - Assignment. For each weather, every building goes to one site and
//     every site gets desks, at most [Params].Desks in all, so that each
//     site's desks sample its people by the day's end with the least
//     people-weighted walking. Package planner/assign solves it on numbers
//     alone; --end auto and "what would fit" are probes of the same solver.
//   - Schedule. Each site's day is cut into windows; its buildings' units
//     and floors fill them nearest first, each window within its capacity,
//     each floor in one window (one too big for any is split by rooms,
//     [Group]), the students' period kept apart ([Window]).
//   - Variant. The steps above run once per weather ([Variant]): the wet
//     one uses sheltered sites, and open ones under canopies when that
//     holds the day by --end or, with --end auto, ends it earlier (at most
//     [Params].Canopies, the fewest that do: [CanopyTrade]); it weighs
//     every uncovered metre by the rain factor.
//   - Guidance. Each variant's residents per site and per desk, longest
//     walk and longest wait in line are set against the national
//     guidance, and a plan outside it warns ([Guidance]).
//   - Plan. Each [VariantPlan] adds the routes there and back, the posts of
//     the battle map and the door-to-door round; [Make] returns them as a
//     [Plan], which [Plan.FeatureCollection] writes as the plan file and
//     [WriteSummary] as a table.
//
// [Make] leaves its compound as it was: one compound can be planned many
// times, with other parameters, even at once.
//
// # Where to look
//
// Each question about a plan is answered in one file:
//
//	what natq reads from OSM tags and natq: keys   compound.go (files: read.go)
//	how walkways, doors and sites are joined       network.go
//	which way a resident walks, there and back     route.go
//	what the rain changes (the rain factor, which
//	  sites a wet day uses, canopies, shelter)     weather.go
//	the one-metre rule: queue line, markers, and
//	  the window capacity they cap                 queueline.go
//	which building goes to which site, how many
//	  desks each site gets                         assignment.go, package assign
//	the windows and who is called to each (whole
//	  floors)                                       schedule.go
//	the steps of one weather's plan, in order      variant.go
//	the battle map's people                        posts.go
//	the door-to-door round                         visit.go
//	the parameters, Make, the assumptions stated   plan.go
//	the national guidance a plan is held to        guidance.go
//	the plan as a plan file (types: planfile)      geojson.go
//	the report's figures, the terminal summary     report.go, summary.go
//	the local metric plane and plane geometry      geo.go
//	what a bad input error is                      errors.go
//	what natq inspect prints                       inspect.go
package planner
