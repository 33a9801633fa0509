// Package queue runs a testing day's slot queue on Redis: rounds opened
// from plan files, bookings, signed tickets, check-in against the
// one-metre line, calls, no-shows, sampling into pooled tubes, the rain
// switch, coverage and live events.
//
// # Model
//
// A Plan (LoadPlan) is one compound's day. OpenRound makes it a round,
// named by the plan's date; the latest round of a compound is its current
// one, and only the current round changes state. A round runs on one
// weather variant at a time (dry first); its windows, and each window's
// capacity, are the plan's schedule, exactly. Online booking may fill a
// window up to its capacity minus the walk-in share (Options.WalkinShare);
// pre-booked paper tickets may use the whole capacity.
//
// Booking gives a household (building, unit, room) the earliest window of
// the active variant whose groups name its building (and its unit, when
// the group names one) and that has room for its whole party; the same
// household asking again gets the same ticket when the request holds it
// (or comes from staff), and ErrBooked otherwise: a room number is all
// anyone needs to ask (BookOnline). A ticket token (package qr)
// names the compound and ticket number and is signed: a forged one is
// refused before Redis is asked.
//
// A ticket moves booked -> checked_in -> called -> sampled. A site has
// desks (the plan's, numbered from 1) and a desk calls one person at a
// time: CallNext refuses (ErrDeskBusy, with the ticket) while the desk's
// last call is still "called", until the desk says the person was sampled,
// missed (NoShow) or is queued back (Requeue, not counted as a call). A
// missed call goes back to its place in the line and the desk's next is
// called at once; the missed one is called again once someone else has
// been called at the site (ZMS's recall delay, counted in calls), and is a
// no-show after Options.CallsBeforeNoShow calls. booked, checked_in and
// called tickets may be cancelled. no_show and cancelled free the seats
// and let the household book again. Line is a site's line as its desks
// and its display (static's /display page) see it: each desk's open call
// and who waits, in the order call.lua will call them; RepeatCall
// announces an open call again.
//
// A household is its building, unit and room, normalised (room.go):
// Unicode NFKC, invisible and control characters dropped, the suffixes
// 室/号/单元 and leading zeros taken off, so 701, 0701, ７０１ and 701室 are
// one household. A room is the floor then a two-digit door, the floor
// within the building's levels (natq:levels; 60 when the plan does not
// say); a unit is one the schedule names, else 1 to natq:units. A party is
// at most MaxParty people (one household). Booking again with another
// party changes the ticket's party when it is booked and its window has
// room, and says why not otherwise.
//
// Check-in refuses, with the reason and what to do, a ticket for another
// site, one too early (Options.Early before its window) or too late
// (Options.Grace after it), a finished one, and a party the site's
// one-metre line (its markers) cannot hold; a second scan of a ticket in
// line is ErrAlreadyIn, naming the check-in time. The rain switch
// (SwitchVariant) moves every ticket still to be sampled onto the other
// variant in booking order; people already in a line keep their state and
// place where their site stays, and are moved, still in line by their
// check-in time, to their building's wet site where it does not; see
// switch.lua for the rule.
//
// Line and Ticket carry a forecast (forecast.go): planner/sim's Forecast
// run from the site's line, its desks' measured pace and the people still
// to come, cached per site until its counters change (their change counts
// come with a ticket's read), and the model runs at most once a
// ForecastRecheck (100 ms) a site: the forecast shown is at most that
// stale, while the model keeps within its share of the cores
// (Options.ForecastShare); past it, a site's last forecast stands, up to
// ForecastTTL old.
//
// In-process callers (the demo, the pages, tests) act as staff with a
// Staff value; over HTTP a Staff comes only from a token (Authenticate).
// The desk's changes (CheckIn, CallNext, Sampled) take one unchecked
// (StaffOf) and check it first in their own script, the token's hash
// against the compound's staff hash: one round trip, and a revoked or
// expired token is still refused on every instance at once. A site's
// display gets a token of its own (RoleDisplay: reads a line, changes
// nothing), from AddDisplay's link, or by pairing: a screen without a
// token shows StartPairing's code, a marshal types it (PairDisplay), and
// the screen's poll collects its token (PollPairing).
//
// # State in Redis
//
// Instances hold no state but the plans they loaded. Every state change is
// one Lua script (the *.lua files, each with its contract), so it is atomic
// and an interrupted request leaves nothing half-written; each change is
// one round trip, its version and its event included; under load the
// scripts and ticket reads that wait for one share it, a pipeline of
// them, each its own atomic script with its own reply (batch.go), and the
// bookings and the desk's check-ins, calls and sampled changes with the
// same keys go as one run of their script, a record each, each made in
// turn in its own protected call and answered for on its own (the records
// scripts: book, checkin, call, sampled). prelude.lua is
// prepended to every script when it is loaded, the definitions the script
// uses (preludeFor: the prelude runs on every call): the ticket's key
// layout (ticket_key, ticket_fields, ticket_values, ticket_read), the line
// member format (line_member, line_id), the ticket checks (live_read: no
// such ticket, another round, finished), leaving the line
// (leave_line) and telling of a change (tell, tell_values) are written
// once there. A desk change reads its ticket whole once (ticket_read),
// writes its change and the new version in one HSET, and answers with the
// event it published (tell_values), one string. All of a compound's
// keys share the hash tag {compound}, so every script runs on Redis
// Cluster; a script reaches a ticket from the key prefix natq:{c}:t: it is
// given (which routes it to the compound's slot) and the ticket's id. The
// service passes its clock into the scripts; nothing depends on key
// expiry.
//
//	natq:{c}:rounds            zset   round id (YYYY-MM-DD) -> unix day
//	natq:{c}:seq               string last ticket id (tickets are numbered per compound)
//	natq:{c}:t:<id>            hash   one ticket, field -> value:
//	                                  r round, hh household key, b building, u unit,
//	                                  room, party, origin (online|paper|home), at booked ms,
//	                                  st state, v variant, w window index, site,
//	                                  ws/we window start/end ms, ci check-in ms,
//	                                  called ms, calls, desk (last called to), rc (a
//	                                  missed call waits until the site's call count
//	                                  reaches it), sa sampled ms, tube, end ms, by
//	                                  (a home sample's recorder) and ub (who took it back),
//	                                  ver: the ticket's version (one per event; tell in
//	                                  prelude.lua)
//	natq:{c}:staff             hash   sha256(staff token) hex -> "role|name|until ms|issued ms"
//	natq:{c}:pc:<code>         string a display's pairing code -> "sha256(secret) hex|end ms" (pair.go);
//	                                  deleted once typed in
//	natq:{c}:pr:<sha256>       hash   a pairing: exp (end ms), site asked for, m (its member of prs);
//	                                  once approved ok (the site) and name; deleted when collected
//	natq:{c}:prs               zset   the live pairings, "<address field>:<sha256>" by end ms: the
//	                                  limits per address and compound; the TTLs of the three only tidy up
//	natq:{c}:lim:<W>           hash   client address (sha256, truncated) -> new households
//	                                  booked from it in booking-limit window W (start / window
//	                                  length), counted by book.lua with the ticket; expires two
//	                                  windows after its last new address, which only tidies up
//	natq:{c}:r:<R>:state       hash   variant, opened ms, switched ms, plan (schedule fingerprint),
//	                                  tz (the plan's time zone), purged ms (natq round purge),
//	                                  layout "2" (tickets a hash each; open.lua refuses a round
//	                                  without it, opened by a natq that kept them in one hash),
//	                                  first: the first ticket id the round could give (the
//	                                  sequence + 1 when it opened); its tickets are the ids
//	                                  from first to the sequence whose round field r names it
//	natq:{c}:r:<R>:bw          hash   "<variant>|<building>|<unit>" -> the windows a booking of
//	                                  that unit may take, by start, "index\tsite\tcapacity\t
//	                                  start ms\tend ms\n" each (unit "" for the units no group
//	                                  names); written by open.lua with the round, read by book.lua;
//	                                  "@<variant>|<building>|<unit>|<share>|<party>" -> book.lua's
//	                                  cursor in that list, "<freed>:<byte offset>": the windows
//	                                  before the offset have no room for a party that size kept
//	                                  to that share (or ended over a minute ago); void once
//	                                  win's "freed" moved
//	natq:{c}:r:<R>:hh          hash   "building|unit|room" -> ticket id (live tickets); "building|unit|room|students"
//	                                  -> the household's students' ticket (the students' period, Household.Students)
//	natq:{c}:r:<R>:win         hash   "<window>:booked|in|sampled" -> people;
//	                                  "pace:<site>:n|ms" -> people sampled after a
//	                                  call there, and their call-to-sample ms in all;
//	                                  "~" (open.lua), a long value that keeps it a hash table;
//	                                  "freed": how many changes gave seats back (cancel,
//	                                  no-show, a smaller party, a rain switch)
//	natq:{c}:r:<R>:order       zset   ticket id -> id: booking order, only in a round opened
//	                                  without a first id (by an older natq); none is written
//	                                  on each booking otherwise
//	natq:{c}:r:<R>:line        zset   "site|checkin ms|id|party" (zero-padded), score 0:
//	                                  every site's waiting line in check-in order; the
//	                                  people ahead of a ticket are read from the members
//	                                  while its site's line is short
//	natq:{c}:r:<R>:ppl         zset   "site|checkin ms|id|k" (k 01 to the party), score 0:
//	                                  a member a person of each party in a long line (32
//	                                  parties once), so that the people ahead are one
//	                                  ZLEXCOUNT (ahead_of in prelude.lua)
//	natq:{c}:r:<R>:occ         hash   site -> people in its line (checked in or called);
//	                                  "#site" -> the parties ppl holds for it, where kept
//	natq:{c}:r:<R>:desk        hash   "site|desk" -> ticket id last called there (open
//	                                  while that ticket is "called" at that desk)
//	natq:{c}:r:<R>:calln       hash   site -> calls made there (recall delays count in it)
//	natq:{c}:r:<R>:fv          hash   site -> changes of what its forecast reads (line, calls,
//	                                  check-ins, pace); "*" -> rain switches: the forecast
//	                                  cache's key (forecast.go)
//	natq:{c}:r:<R>:tubes       hash   tube code -> samples in it
//	natq:{c}:r:<R>:tube:<code> set    ticket ids pooled in the tube
//
// A window is named by its index in the plan's schedule. Live events are
// published on natq:{c}:ev:t:<id> (one ticket) and natq:{c}:ev:s:<site>
// (one site), a site's new bookings and parties' new sizes on
// natq:{c}:bk:s:<site> instead (its tablet's alone), so any instance can
// serve any listener; an instance holds one pattern subscription per
// compound (natq:{c}:ev:*) for all its listeners, and natq:{c}:bk:* once
// one of them hears bookings, or, on a Redis 7 cluster, where the scripts SPUBLISH so that
// an event stays on its compound's shard, one sharded subscription
// (SSUBSCRIBE) per channel its listeners watch (pubsub.go, hub.go). Each ticket event carries the ticket's version and its state
// at that version, so a page can drop one that arrives after a newer one.
// Every change script counts the version and publishes its event itself,
// in the same step as the change (tell in prelude.lua), so that an event's
// version always shows its own change's state, and one ticket's events are
// published in version order. An event is published in a compact form
// ("[natq2" and its fields, joined by "\n": raw_event in prelude.lua, read by
// parseRawEvent, which still reads the JSON array of "natq1") that each instance's hub expands
// into the Event, with the ticket's signed token, for the listeners it
// holds; only the rain switch's "variant" site events are published by
// the service, as Event JSON (an object). When an instance's subscription
// to Redis breaks and go-redis has it back, the events published between
// are lost to it: its listeners are handed {"type":"resync"} (hub.go),
// and a page reads its state afresh. A ticket read is one pipeline,
// not a script (Lua costs Redis more than the four plain reads): the
// ticket, and the round's line occupancy, variant and site change counts.
// The one key with an expiry is the booking limit's budgets hash,
// whose window is in its name: the count is right whether or not Redis
// has expired it yet.
package queue
