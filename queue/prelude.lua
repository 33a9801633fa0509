-- prelude.lua: shared by every script, prepended to each when it is
-- loaded (see doc.go), so that the ticket's key layout, the line's member
-- format, the ticket checks and the events are written once.
--
-- A ticket is a hash of its own, "<prefix><id>" (prefix "natq:{c}:t:",
-- which the scripts get as a key so that a cluster routes them to the
-- compound's slot), with its fields by name. Every script reads and
-- writes tickets through ticket_key, ticket_fields, ticket_values and
-- tell, and nowhere else.
local function ticket_key(tkp, id)
  return tkp .. id
end
-- line_member(site, checkin ms, id, party): a site's line is one zset of
-- "site|checkin ms|id|party", zero-padded, all scored 0, so a lexical
-- range is one site's line in check-in order, and the people in a range
-- are read from the members alone (a party in line does not change).
-- The numbers are padded as strings (numbers are taken as their digits):
-- a number read from a string and formatted again costs Redis several
-- times as much.
local function line_member(site, ms, id, party)
  local rep = string.rep
  ms, id, party = ms .. '', id .. '', party .. ''
  return site .. '|' .. rep('0', 15 - #ms) .. ms .. '|' .. rep('0', 12 - #id) .. id .. '|' .. rep('0', 2 - #party) .. party
end
-- line_id is the ticket id of a line member.
local function line_id(m)
  return string.match(string.sub(m, -15, -4), '^0*(%d+)$')
end
-- ticket_fields reads fields of ticket id, keyed by field name.
local function ticket_fields(tkp, id, names)
  local vs = redis.call('HMGET', ticket_key(tkp, id), unpack(names))
  local f = {}
  for i, n in ipairs(names) do f[n] = vs[i] or nil end
  return f
end
-- staff_check refuses a desk change's staff token unless the compound's
-- staff hash holds it (hash, its SHA-256 in hex) for a marshal or a
-- coordinator, unexpired at now (ms): an error reply "UNAUTHORIZED",
-- "EXPIRED" or "FORBIDDEN", else nil; hash "" is a token its caller
-- checked. It runs first, in the change's own step, so that a revoked or
-- expired token is refused on every instance at once (staff.go's
-- Authenticate does the same in Go: record "role|name|until ms|issued
-- ms", older ones "role|name" without an end).
-- A run of many desk changes (batch.go) reads each token's record once:
-- staff_seen holds what staff_check read in this call of the script, by
-- hash (false: no record), which no other script can change meanwhile.
local staff_seen = {}
local function staff_check(staff, hash, now)
  if hash == '' then return nil end
  local rec = staff_seen[hash]
  if rec == nil then
    local v = redis.call('HGET', staff, hash)
    -- The role, and the end when the record has four fields.
    rec = v and {string.match(v, '^[^|]*'), tonumber(string.match(v, '^[^|]*|[^|]*|([^|]*)|') or '')} or false
    staff_seen[hash] = rec
  end
  if not rec then return redis.error_reply('UNAUTHORIZED') end
  local role, till = rec[1], rec[2]
  if till and till > 0 and tonumber(now) >= till then return redis.error_reply('EXPIRED') end
  if role ~= 'marshal' and role ~= 'coordinator' then return redis.error_reply('FORBIDDEN') end
  return nil
end
-- site_changed counts a change of what a site's forecast reads (its line,
-- calls, check-ins, pace) in the round's site change counter hash fv, so
-- that a reader knows its cached forecast is out of date from one field.
local function site_changed(fv, site)
  redis.call('HINCRBY', fv, site, '1')
end
-- The people of a long line, one by one. Counting the people ahead of a
-- ticket from the lines zset reads every member ahead of it, which at a
-- busy site's line of hundreds costs Redis more than the rest of a
-- check-in. So once a site's line has LONG_LINE parties or more in a
-- round, the persons zset ppl (all scored 0) holds a member a person of
-- each of its parties, "<site>|<checkin ms>|<id>|<k>" (padded as
-- line_member, k from 01 to the party), and the people ahead are one
-- ZLEXCOUNT. The line occupancy hash's "#<site>" counts the parties ppl
-- holds for the site; absent, the site's people are not kept (a short
-- line, read member by member as before). A count that is not the line's
-- (an instance of an older natq changed the line without it, or the rain
-- switch wrote the occupancy anew) is mended from the members the next
-- time the people ahead are counted.
local LONG_LINE = 32
-- person_prefix is line_member without its party: the bound before a
-- ticket's people, and before its persons.
local function person_prefix(site, ms, id)
  return string.sub(line_member(site, ms, id, ''), 1, -3)
end
-- persons_of appends the persons of line member m to args, each after a
-- score 0 when scored (for a ZADD): its prefix, the member without its
-- party, then 01 to its party.
local function persons_of(args, m, scored)
  local a, b = string.byte(m, -2, -1)
  local pre, f = string.sub(m, 1, -3), string.format
  for k = 1, a * 10 + b - 528 do -- 528 = '0' * 11
    if scored then args[#args + 1] = '0' end
    args[#args + 1] = pre .. f('%02d', k)
  end
end
-- keep_persons adds (sign 1) or takes out (-1) the persons of line
-- member m, and counts its party in "#<site>".
local function keep_persons(ppl, occ, site, m, sign)
  local args = {}
  persons_of(args, m, sign > 0)
  redis.call(sign > 0 and 'ZADD' or 'ZREM', ppl, unpack(args))
  redis.call('HINCRBY', occ, '#' .. site, sign > 0 and '1' or '-1')
end
-- kept_at says whether the site's people are kept (kept, when the caller
-- read the count: true or false).
local function kept_at(occ, site, kept)
  if kept == nil then return redis.call('HEXISTS', occ, '#' .. site) == 1 end
  return kept
end
-- line_add puts line member m in its site's line: in the lines zset, and
-- its persons when the site's people are kept.
local function line_add(lines, ppl, occ, site, m, kept)
  if redis.call('ZADD', lines, 0, m) == 0 then return end
  if kept_at(occ, site, kept) then keep_persons(ppl, occ, site, m, 1) end
end
-- line_del takes line member m out of its site's line, if it is in it.
local function line_del(lines, ppl, occ, site, m, kept)
  if redis.call('ZREM', lines, m) == 0 then return end
  if kept_at(occ, site, kept) then keep_persons(ppl, occ, site, m, -1) end
end
-- leave_line takes ticket id (state st at site, checked in at ci, of
-- party people, a string) out of its site's line: a checked-in ticket's member from
-- the lines zset (and its persons, line_del), and a checked-in or called party from the line
-- occupancy hash occ. Returns the people left in the site's line, or nil
-- when the ticket was not in it.
local function leave_line(lines, ppl, occ, id, st, site, ci, party)
  if st == 'checked_in' then
    line_del(lines, ppl, occ, site, line_member(site, ci, id, party))
  end
  if st == 'checked_in' or st == 'called' then
    return redis.call('HINCRBY', occ, site, '-' .. party)
  end
  return nil
end
-- ticket_names are the ticket's fields an event carries, in the order of
-- ticketFields (service.go; a test holds the two equal).
local ticket_names = {'st', 'r', 'b', 'u', 'room', 'party', 'origin', 'v', 'w', 'site', 'ws', 'we',
  'ci', 'sa', 'calls', 'tube', 'at', 'called', 'desk', 'ver'}
-- ticket_values reads ticket id's ticket_names fields, in that order
-- (false for a field not set).
local function ticket_values(tkp, id)
  return redis.call('HMGET', ticket_key(tkp, id), unpack(ticket_names))
end
-- T_ST ... T_VER are the places of the ticket_names fields in a ticket's
-- values (ticket_values, ticket_read).
local T_ST, T_R, T_B, T_U, T_ROOM, T_PARTY, T_ORIGIN, T_V, T_W, T_SITE, T_WS, T_WE,
  T_CI, T_SA, T_CALLS, T_TUBE, T_AT, T_CALLED, T_DESK, T_VER =
  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20
-- ticket_read reads ticket id whole, in one command: its ticket_names
-- values in that order (false for a field not set), then the further
-- fields named (at 21, 22, ...; the caller takes them off before the
-- values are told). A change script reads its ticket once with it, makes
-- its change in the values and in one HSET (the new version included,
-- next_version) and hands the values to tell_values.
local function ticket_read(tkp, id, ...)
  return redis.call('HMGET', tkp .. id, 'st', 'r', 'b', 'u', 'room', 'party', 'origin', 'v', 'w', 'site',
    'ws', 'we', 'ci', 'sa', 'calls', 'tube', 'at', 'called', 'desk', 'ver', ...)
end
-- next_version counts a change in a ticket's values (ticket_read) and
-- returns the new version, for the change's HSET.
local function next_version(t)
  t[T_VER] = string.format('%d', (tonumber(t[T_VER]) or 0) + 1)
  return t[T_VER]
end
-- live_read reads a ticket of round whole (ticket_read, with the further
-- fields named) and refuses what no staff action may touch: an error
-- reply "NOTICKET", "OLDROUND <its round>" or, with finals set,
-- "ALREADY_SAMPLED", "CANCELLED", "NO_SHOW", and nil; else nil, values.
local function live_read(tkp, id, round, finals, ...)
  local t = ticket_read(tkp, id, ...)
  local st = t[1]
  if not st then return redis.error_reply('NOTICKET'), nil end
  if t[2] ~= round then return redis.error_reply('OLDROUND ' .. t[2]), nil end
  if finals then
    if st == 'sampled' then return redis.error_reply('ALREADY_SAMPLED'), nil end
    if st == 'cancelled' then return redis.error_reply('CANCELLED'), nil end
    if st == 'no_show' then return redis.error_reply('NO_SHOW'), nil end
  end
  return nil, t
end
-- raw_event is the compact event a script publishes ("natq2"): its
-- fields joined by "\n", "[natq2", compound, type, ticket id, people in
-- the site's line, at (unix ms, a string), people ahead of it in line,
-- then the ticket's ticket_names values t (1 to 20), "\255" for a field
-- not set (false). No value holds either byte: ids, variants and rounds
-- are the plan file's (planfile.IDPattern, dry or wet), units are cleaned
-- of control characters (cleanNumber) and valid UTF-8, rooms, times and
-- counts are digits, states and origins the service's words, and a tube
-- code with a control character or not UTF-8 is refused (Sampled); so ""
-- (a unit not given) stays apart from a field not set. The "[" makes an
-- instance from before it (which expands what starts with "[", the JSON
-- array of "natq1") drop it as unreadable rather than hand it on as it
-- is. It is one concatenation, which Lua makes in one step: cjson of the
-- same array cost 1.5 to 2 times as much (a count given as a Lua number
-- costs a %.14g here). Each instance's hub expands it into the Event its
-- listeners get (events.go, parseRawEvent in rawevent.go), signing the
-- ticket's token there; the ticket's version is its "ver" value.
local function raw_event(compound, typ, id, inline, at, t, ahead)
  return '[natq2\n' .. compound .. '\n' .. typ .. '\n' .. id .. '\n' .. inline .. '\n' .. at .. '\n' .. ahead ..
    '\n' .. (t[1] or '\255') .. '\n' .. (t[2] or '\255') .. '\n' .. (t[3] or '\255') .. '\n' .. (t[4] or '\255') ..
    '\n' .. (t[5] or '\255') .. '\n' .. (t[6] or '\255') .. '\n' .. (t[7] or '\255') .. '\n' .. (t[8] or '\255') ..
    '\n' .. (t[9] or '\255') .. '\n' .. (t[10] or '\255') .. '\n' .. (t[11] or '\255') .. '\n' .. (t[12] or '\255') ..
    '\n' .. (t[13] or '\255') .. '\n' .. (t[14] or '\255') .. '\n' .. (t[15] or '\255') .. '\n' .. (t[16] or '\255') ..
    '\n' .. (t[17] or '\255') .. '\n' .. (t[18] or '\255') .. '\n' .. (t[19] or '\255') .. '\n' .. (t[20] or '\255')
end
-- booked_event is raw_event of a ticket book.lua has just made, from its
-- values (no table of them): a "booked" event, people ahead the line's.
local function booked_event(compound, id, inline, at, round, b, u, room, party, origin, variant, w, site, ws, we)
  return '[natq2\n' .. compound .. '\nbooked\n' .. id .. '\n' .. inline .. '\n' .. at .. '\n' .. inline ..
    '\nbooked\n' .. round .. '\n' .. b .. '\n' .. u .. '\n' .. room .. '\n' .. party .. '\n' .. origin ..
    '\n' .. variant .. '\n' .. w .. '\n' .. site .. '\n' .. ws .. '\n' .. we ..
    '\n\255\n\255\n0\n\255\n' .. at .. '\n\255\n\255\n1'
end
-- parties_sum is the people of line members ms: the parties at their
-- ends (two digits), summed from their bytes (a substring and a number
-- for each cost twice as much).
local function parties_sum(ms)
  local n, byte = 0, string.byte
  for i = 1, #ms do
    local a, b = byte(ms[i], -2, -1)
    n = n + a * 10 + b - 528 -- 528 = '0' * 11
  end
  return n
end
-- ahead_of is the people waiting before ticket id (checked in at ci) in
-- its site's line. Where the site's people are kept and their count is
-- the line's, one ZLEXCOUNT of the persons zset ppl. Else from the
-- members ahead; and when the line is long (LONG_LINE parties), the
-- site's persons are written anew from all its members, so that the next
-- count is one ZLEXCOUNT. count is the occupancy hash's "#<site>" when
-- the caller read it (false: absent), people the site's people in line
-- when it knows them (fewer than LONG_LINE: a short line, read as before).
local function ahead_of(lines, ppl, occ, site, ci, id, count, people)
  local lo, hi = '[' .. site .. '|', '[' .. site .. '|~'
  local bound = person_prefix(site, ci, id)
  if count == nil then count = redis.call('HGET', occ, '#' .. site) or false end
  if not count and people and people < LONG_LINE then
    return parties_sum(redis.call('ZRANGEBYLEX', lines, lo, '(' .. bound))
  end
  local parties = redis.call('ZLEXCOUNT', lines, lo, hi)
  if count and tonumber(count) == parties then
    return redis.call('ZLEXCOUNT', ppl, lo, '(' .. bound)
  end
  local before = redis.call('ZRANGEBYLEX', lines, lo, '(' .. bound)
  if parties < LONG_LINE then
    if count then -- kept but out of date, and short now: no longer kept
      redis.call('ZREMRANGEBYLEX', ppl, lo, hi)
      redis.call('HDEL', occ, '#' .. site)
    end
    return parties_sum(before)
  end
  -- Keep the site's persons anew, from every member.
  redis.call('ZREMRANGEBYLEX', ppl, lo, hi)
  local args = {}
  local function add(ms)
    for i = 1, #ms do
      persons_of(args, ms[i], true)
      if #args >= 1000 then redis.call('ZADD', ppl, unpack(args)); args = {} end
    end
  end
  add(before)
  add(redis.call('ZRANGEBYLEX', lines, '[' .. bound, hi))
  if #args > 0 then redis.call('ZADD', ppl, unpack(args)) end
  redis.call('HSET', occ, '#' .. site, string.format('%d', parties))
  return parties_sum(before)
end
-- book_channel is the channel of a site's new bookings and parties' new
-- sizes, "natq:{c}:bk:s:<site>" for ticket prefix tkp "natq:{c}:t:": apart
-- from its events ("ev:s:"), so that only an instance holding a listener
-- that hears bookings (the site's tablet) subscribes to it. In a morning
-- rush bookings are most of a site's events, and every instance holding
-- one of the site's phones would otherwise receive each of them from
-- Redis, only to drop it.
local function book_channel(tkp, site)
  return string.sub(tkp, 1, -3) .. 'bk:s:' .. site
end
-- tell_values publishes the event of a change of ticket id (type typ,
-- at now ms, a string), whose values t (ticket_names order, its new
-- version in them) the change's script has written: in the same step as
-- the change, so that an event's version always shows the state of that
-- version and events of one ticket are published in version order; on
-- the ticket's channel (unless watched is false) and its site's. The
-- channels are the ticket prefix's compound's ("natq:{c}:t:" ->
-- "natq:{c}:ev:"); a party's new size goes to the site's bookings
-- channel (book_channel) instead of its events channel. inline is the people in the site's line, read from
-- the line occupancy hash occ when nil; ahead the people ahead of the
-- ticket (a checked-in ticket's from ahead_of), the line's for a booked
-- one when nil. Returns the event, what the service answers with (one
-- string, which Redis returns for a fraction of what the values cost
-- one by one).
local function tell_values(tkp, occ, typ, id, now, watched, t, inline, ahead)
  local site = t[T_SITE]
  -- The count as Redis gives it: a Lua number costs a %.14g in the event.
  inline = inline or redis.call('HGET', occ, site) or '0'
  if not ahead then
    ahead = '0'
    if t[T_ST] == 'booked' then ahead = inline end
  end
  local base = string.sub(tkp, 1, -3)
  local ev = raw_event(string.match(tkp, '{(.-)}'), typ, id, inline, now, t, ahead)
  if watched ~= false then redis.call('PUBLISH', base .. 'ev:t:' .. id, ev) end
  if typ == 'party' then
    redis.call('PUBLISH', book_channel(tkp, site), ev)
  else
    redis.call('PUBLISH', base .. 'ev:s:' .. site, ev)
  end
  return ev
end
-- tell counts a change of ticket id in its version, reads the ticket and
-- publishes its event (tell_values), for a script that changed the
-- ticket without reading it whole. occ is the line occupancy hash, read
-- for the people in the site's line unless the script knows them
-- (inline); lines and ppl are the lines and persons zsets, for the
-- people ahead of a checked-in ticket (ahead_of).
local function tell(tkp, occ, lines, ppl, typ, id, now, watched, inline)
  redis.call('HINCRBY', ticket_key(tkp, id), 'ver', 1)
  local vals = ticket_values(tkp, id)
  local ahead
  if vals[T_ST] == 'checked_in' then ahead = ahead_of(lines, ppl, occ, vals[T_SITE], vals[T_CI], id) end
  return tell_values(tkp, occ, typ, id, now, watched, vals, inline, ahead)
end
-- each_record runs change(o) for each record of width values in ARGV (o
-- the record's first) and returns the list of their replies: the records
-- scripts (book, checkin, call, sampled; batch.go joins the calls with the
-- same keys that wait for one round trip into one run). Each runs in its
-- own protected call, so that one that fails inside (a store refusing a
-- write) answers with its own error and the others with theirs, as if
-- each had run alone.
local function each_record(width, change)
  local out = {}
  for o = 1, #ARGV, width do
    local ok, r = pcall(change, o)
    if not ok then
      if type(r) == 'table' and r.err then r = redis.error_reply(r.err) else r = redis.error_reply(tostring(r)) end
    end
    out[#out + 1] = r
  end
  return out
end
