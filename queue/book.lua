-- book.lua: give a household the earliest window of its building, in the
-- round's active variant, that has room for its whole party; asking again
-- returns the same ticket. The whole booking is this one script: it
-- counts the change in the ticket's version and publishes the event
-- itself, as every change script does, so that the service neither reads
-- the ticket back nor publishes; the windows it may take are the round's,
-- in Redis since the round opened (open.lua), not in its arguments.
-- KEYS[1] round state hash, KEYS[2] household index hash, KEYS[3] window
-- counters hash, KEYS[4] ticket sequence, KEYS[5] ticket key prefix
-- "natq:{c}:t:", KEYS[6] round's booking order zset (written only for a
-- round opened without a "first" id, see open.lua), KEYS[7] round's line
-- occupancy hash, KEYS[8] round's booking windows hash (open.lua), KEYS[9]
-- the compound's booking budgets for the current limit window (a hash,
-- client address's hash -> new households booked from it)
-- ARGV is one record of 14 values per household, booked in turn, each as
-- if alone (the batcher sends the bookings of one compound that wait
-- for a round trip as one call, batch.go): now (unix ms), household key
-- "building|unit|room", round, building, unit, room, party, origin
-- (online|paper), the share of each window kept from this origin (the
-- walk-in share online, 0 on paper), and the household's candidate key
-- "building|unit" (unit "" when no group names it), the client address's
-- field in the budgets hash, and its budget ("" when the booking is not
-- limited, else "<households>:<the hash's lifetime ms>:<1 to refuse
-- when the budget cannot be counted, 0 to admit>"), who may be answered
-- with the household's ticket when it has one already: "*" (staff,
-- paper, the service itself), else the id of the ticket the request holds
-- ("" for none), or "=<id>" to change only ticket id (a party change by
-- its token: "GONE" when the household's ticket is no longer it), and
-- the hash of the booking phone's key ("" for none), kept with a new
-- ticket as "k": the phone that booked may ask again with its key alone
-- (an answer lost on the way). The booking windows
-- hash holds "<variant>|<candidate key>" -> the windows that call it, by
-- start, each "index\tsite\tcapacity\tstart ms\tend ms\n". A window's
-- seats for this origin are floor(capacity * (1 - share) + 1e-9), as the
-- service's online().
-- Asking again with another party changes the ticket's party when it is
-- still only booked and its window has room for the change. Asking again
-- without holding the ticket is refused ("BOOKED"), changing nothing: a
-- room number is all anyone needs to ask, and the answer's token reads,
-- re-sizes and cancels the ticket.
-- A household of a limited booking takes one of its address's budget
-- the first time in the limit window the address books it (once it has a
-- window with room) or asks for its ticket again (a repeat, a party
-- change): asking again for the same household, and a full answer, cost
-- nothing more; when the budgets hash cannot be counted (a store
-- refusing the write) the budget's last part says whether it is booked
-- anyway, and the reply says so.
-- returns a list of one reply per record, in order: one string of eight
-- fields, each but the last followed by a tab (Redis returns one string
-- for a fraction of what eight values cost): ticket id, 1 if new else 0,
-- 1 if its party changed else 0, variant, site, window start ms, window
-- end ms, 1 if its budget could not be counted else 0; or an
-- error reply "NOROUND", "FULL" (no window of the active variant that has
-- not ended has room), "ENDED" (every window of the household's has
-- ended), "PARTY_FULL <party the window can take>",
-- "BOOKED" (the household has a ticket and the request does not hold
-- it: nothing of the ticket is told), "GONE" (see above),
-- "PARTY_LOCKED <state>" (the party of a ticket in line or finished
-- changes at the site only), "LIMITED" (the address's budget is spent) or
-- "LIMITSTORE <error>" (the budget could not be counted, and refuses).
-- A new ticket ("booked") is published on the site's bookings channel
-- (book_channel in prelude.lua), a changed party ("party") on t:<id> and
-- that channel, as one
-- compact event (raw_event in prelude.lua), which each instance's hub
-- expands into the Event its listeners get (events.go).
local state = redis.call('HMGET', KEYS[1], 'variant', 'first')
local variant, first = state[1], state[2]
local tuple = '([^\t\n]*)\t([^\t\n]*)\t(%d+)\t(%d+)\t(%d+)\n'
-- The window counters hash's "freed" counts the changes that gave seats
-- back (a cancel, a no-show, a smaller party, a rain switch): a cursor
-- written before the latest of them may skip a window with room again.
local freed = redis.call('HGET', KEYS[3], 'freed') or '0'
-- ended is how long after its end a window is skipped by the cursor too:
-- longer than any two instances' clocks may differ.
local ended = 60000
-- reply is a booking's answer: its fields, each but the last followed by
-- a tab (new, changed and uncounted "1" or "0").
local function reply(id, new, changed, v, site, ws, we, uncounted)
  return id .. '\t' .. new .. '\t' .. changed .. '\t' .. v .. '\t' .. site .. '\t' .. ws .. '\t' .. we .. '\t' .. uncounted
end
-- book books the household of the record at ARGV[o] .. ARGV[o + 13].
local function book(o)
  if not variant then return redis.error_reply('NOROUND') end
  local at, hh, round, b, u, room, partyv, origin, sharev, cand, addr, limit, holder, key =
    ARGV[o], ARGV[o + 1], ARGV[o + 2], ARGV[o + 3], ARGV[o + 4], ARGV[o + 5], ARGV[o + 6], ARGV[o + 7], ARGV[o + 8], ARGV[o + 9],
    ARGV[o + 10], ARGV[o + 11], ARGV[o + 12], ARGV[o + 13]
  local old = redis.call('HGET', KEYS[2], hh)
  if string.byte(holder, 1) == 61 then -- "=<id>": that ticket only
    holder = string.sub(holder, 2)
    if old ~= holder then return redis.error_reply('GONE') end
  end
  local now, party, share = tonumber(at), tonumber(partyv), tonumber(sharev)
  local function seats(cap) return math.floor(tonumber(cap) * (1 - share) + 1e-9) end
  -- spend takes one of a limited booking's budget for this household,
  -- the first time in the limit window that the address books it or asks
  -- for its ticket ("<addr>|<household>" marks it): "0", or "1" when the
  -- budget cannot be counted and the booking goes on, or nil and the
  -- refusal.
  local function spend()
    if limit == '' then return '0' end
    local budget, ttl, closed = string.match(limit, '^(%d+):(%d+):([01])$')
    local seen = addr .. '|' .. hh
    local ok, n = pcall(redis.call, 'HSETNX', KEYS[9], seen, '1')
    if ok and n == 0 then return '0' end
    if ok then ok, n = pcall(redis.call, 'HINCRBY', KEYS[9], addr, 1) end
    if ok then
      if n == 1 then redis.call('PEXPIRE', KEYS[9], ttl) end
      if n > tonumber(budget) then
        redis.call('HINCRBY', KEYS[9], addr, -1)
        redis.call('HDEL', KEYS[9], seen)
        return nil, redis.error_reply('LIMITED')
      end
      return '0'
    elseif closed == '1' then
      return nil, redis.error_reply('LIMITSTORE ' .. tostring(type(n) == 'table' and n.err or n))
    end
    return '1'
  end
  if old then
    -- Asking for a household's ticket costs an address's budget as
    -- booking it does: a client cannot read (and cancel) the tickets of
    -- a whole compound by its room numbers.
    local uncounted, refused = spend()
    if refused then return refused end
    local f = ticket_fields(KEYS[5], old, {'st', 'party', 'v', 'w', 'we', 'ws', 'site', 'k'})
    if holder ~= '*' and holder ~= old and (key == '' or f.k ~= key) then return redis.error_reply('BOOKED') end
    local was = tonumber(f.party)
    if was == party then return reply(old, '0', '0', f.v, f.site, f.ws, f.we, uncounted) end
    if f.st ~= 'booked' or tonumber(f.we) <= now then return redis.error_reply('PARTY_LOCKED ' .. f.st) end
    -- The ticket's window's seats, when it is one of the household's
    -- windows (a rain switch may have put it in another).
    local cap = nil
    for w, _, c in string.gmatch(redis.call('HGET', KEYS[8], f.v .. '|' .. cand) or '', tuple) do
      if w == f.w then cap = seats(c) end
    end
    local booked = tonumber(redis.call('HGET', KEYS[3], f.w .. ':booked') or '0')
    -- A smaller party always fits: it gives seats back, whichever window
    -- the ticket is in.
    if party > was and (not cap or booked - was + party > cap) then
      local can = was
      if cap and cap - booked + was > can then can = cap - booked + was end
      return redis.error_reply('PARTY_FULL ' .. can)
    end
    redis.call('HINCRBY', KEYS[3], f.w .. ':booked', party - was)
    if party < was then freed = tostring(redis.call('HINCRBY', KEYS[3], 'freed', 1)) end
    redis.call('HSET', ticket_key(KEYS[5], old), 'party', partyv)
    tell(KEYS[5], KEYS[7], nil, nil, 'party', old, at, true)
    return reply(old, '0', '1', f.v, f.site, f.ws, f.we, uncounted)
  end
  -- The household's windows, and its cursor: where in them the first
  -- window that may have room for a party of its size and origin is,
  -- past the ones without (or ended a while ago), "<freed>:<byte
  -- offset>", read in the same command and written when it moves, so
  -- that a booking in the afternoon of a full morning reads no full
  -- window's counter. One cursor a party size: a window with one seat
  -- left stops no party of two.
  local field = variant .. '|' .. cand
  local mark = '@' .. field .. '|' .. sharev .. '|' .. partyv
  local got = redis.call('HMGET', KEYS[8], field, mark)
  local list, pos = got[1] or '', 1
  if got[2] then
    local g, o = string.match(got[2], '^(%d+):(%d+)$')
    if g == freed then pos = tonumber(o) end
  end
  local from, skip = pos, pos -- skip: past the leading windows without room
  local find, next_window = string.find, '^' .. tuple
  while true do
    local s0, e, w, site, cap, ws, we = find(list, next_window, pos)
    if not s0 then break end
    pos = e + 1
    local wend = tonumber(we)
    if wend > now then
      local booked = tonumber(redis.call('HGET', KEYS[3], w .. ':booked') or '0')
      local have = seats(cap)
      if booked + party <= have then
        -- The budget first: a refused booking takes no seat, and moves
        -- no cursor past the window it would have filled.
        local uncounted, refused = spend()
        if refused then return refused end
        if skip == s0 and booked + party + party > have then skip = pos end
        if skip ~= from then redis.call('HSET', KEYS[8], mark, freed .. ':' .. skip) end
        local id = tostring(redis.call('INCR', KEYS[4]))
        redis.call('HINCRBY', KEYS[3], w .. ':booked', partyv) -- as given: a number costs a %.17g
        redis.call('HSET', KEYS[2], hh, id)
        redis.call('HSET', ticket_key(KEYS[5], id), 'r', round, 'hh', hh, 'b', b, 'u', u,
          'room', room, 'party', partyv, 'origin', origin, 'at', at, 'st', 'booked', 'v', variant,
          'w', w, 'site', site, 'ws', ws, 'we', we, 'calls', '0', 'ver', '1', 'k', key)
        -- A round that records its first id (open.lua) needs no list of
        -- its tickets; one opened before that keeps its booking order.
        if not first then redis.call('ZADD', KEYS[6], id, id) end
        -- The event, its values as an HMGET would read them (booked_event); on
        -- the site's bookings channel only: no one can watch a ticket that did not
        -- exist before this script (watching reads the ticket first).
        local inline = redis.call('HGET', KEYS[7], site) or '0'
        redis.call('PUBLISH', book_channel(KEYS[5], site), booked_event(string.match(KEYS[5], '{(.-)}'),
          id, inline, at, round, b, u, room, partyv, origin, variant, w, site, ws, we))
        return reply(id, '1', '0', variant, site, ws, we, uncounted)
      end
      if skip == s0 then skip = pos end -- no room for this party
    elseif skip == s0 and wend + ended < now then
      skip = pos
    end
  end
  if skip ~= from then redis.call('HSET', KEYS[8], mark, freed .. ':' .. skip) end
  -- ENDED when every window of the household's has ended (not one is
  -- full): it is told its time is over, not that all is booked.
  if list == '' then return redis.error_reply('FULL') end
  for _, _, _, _, we in string.gmatch(list, tuple) do
    if tonumber(we) > now then return redis.error_reply('FULL') end
  end
  return redis.error_reply('ENDED')
end
return each_record(14, book)
