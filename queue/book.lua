-- book.lua: give a household the earliest window of its building, in the
-- round's active variant, that has room for its whole party; asking again
-- returns the same ticket. The whole booking is this one script: it
-- counts the change in the ticket's version (as stamp.lua does for the
-- other scripts) and publishes the event itself, so that the service
-- neither reads the ticket back nor publishes.
-- KEYS[1] round state hash, KEYS[2] household index hash, KEYS[3] window
-- counters hash, KEYS[4] ticket sequence, KEYS[5] tickets hash, KEYS[6]
-- round's booking order zset, KEYS[7] round's line occupancy hash
-- ARGV[1] now (unix ms), ARGV[2] household key "building|unit|room",
-- ARGV[3] round, ARGV[4] building, ARGV[5] unit, ARGV[6] room, ARGV[7] party,
-- ARGV[8] origin (online|paper), ARGV[9] compound, ARGV[10] the compound's
-- event channel prefix "natq:{c}:ev:", ARGV[11] n, then n tuples of 6:
-- variant, window index, site, seats bookable, start ms, end ms; by start.
-- Asking again with another party changes the ticket's party when it is
-- still only booked and its window has room for the change.
-- returns {ticket id, 1 if new else 0, 1 if its party changed else 0,
-- variant, site, window start ms, window end ms}, or an error reply
-- "NOROUND", "FULL" (no window of the active variant that has not ended
-- has room), "PARTY_FULL <party the window can take>" or "PARTY_LOCKED
-- <state>" (the party of a ticket in line or finished changes at the site
-- only).
-- A new ticket ("booked") is published on <prefix>s:<site>, a changed
-- party ("party") on <prefix>t:<id> and <prefix>s:<site>, as one compact
-- event (raw_event in prelude.lua), which each instance's hub expands
-- into the Event its listeners get (events.go).
local variant = redis.call('HGET', KEYS[1], 'variant')
if not variant then return redis.error_reply('NOROUND') end
local old = redis.call('HGET', KEYS[2], ARGV[2])
local now, party, n = tonumber(ARGV[1]), tonumber(ARGV[7]), tonumber(ARGV[11])
-- tell publishes an event on the site's channel and, for a ticket that
-- was there before this script (one that someone may watch), on its own.
local function tell(typ, id, site, vals, watched)
  local inline = tonumber(redis.call('HGET', KEYS[7], site) or '0')
  local ev = raw_event(ARGV[9], typ, id, inline, ARGV[1], vals)
  if watched then redis.call('PUBLISH', ARGV[10] .. 't:' .. id, ev) end
  redis.call('PUBLISH', ARGV[10] .. 's:' .. site, ev)
end
if old then
  local f = ticket_fields(KEYS[5], old, {'st', 'party', 'v', 'w', 'we', 'ws', 'site'})
  local was = tonumber(f.party)
  if was == party then return {old, 0, 0, f.v, f.site, f.ws, f.we} end
  if f.st ~= 'booked' or tonumber(f.we) <= now then return redis.error_reply('PARTY_LOCKED ' .. f.st) end
  local cap = nil
  for i = 0, n - 1 do
    local b = 12 + i * 6
    if ARGV[b] == f.v and ARGV[b + 1] == f.w then cap = tonumber(ARGV[b + 3]) end
  end
  local booked = tonumber(redis.call('HGET', KEYS[3], f.w .. ':booked') or '0')
  if not cap or booked - was + party > cap then
    local can = was
    if cap and cap - booked + was > can then can = cap - booked + was end
    return redis.error_reply('PARTY_FULL ' .. can)
  end
  redis.call('HINCRBY', KEYS[3], f.w .. ':booked', party - was)
  redis.call('HSET', KEYS[5], old .. ':party', ARGV[7])
  redis.call('HINCRBY', KEYS[5], old .. ':ver', 1)
  tell('party', old, f.site, ticket_values(KEYS[5], old), true)
  return {old, 0, 1, f.v, f.site, f.ws, f.we}
end
for i = 0, n - 1 do
  local b = 12 + i * 6
  local v, w, site = ARGV[b], ARGV[b + 1], ARGV[b + 2]
  local cap, ws, we = tonumber(ARGV[b + 3]), ARGV[b + 4], ARGV[b + 5]
  if v == variant and tonumber(we) > now then
    local booked = tonumber(redis.call('HGET', KEYS[3], w .. ':booked') or '0')
    if booked + party <= cap then
      local id = tostring(redis.call('INCR', KEYS[4]))
      redis.call('HINCRBY', KEYS[3], w .. ':booked', party)
      redis.call('HSET', KEYS[2], ARGV[2], id)
      redis.call('HSET', KEYS[5], id .. ':r', ARGV[3], id .. ':hh', ARGV[2],
        id .. ':b', ARGV[4], id .. ':u', ARGV[5], id .. ':room', ARGV[6],
        id .. ':party', ARGV[7], id .. ':origin', ARGV[8], id .. ':at', ARGV[1],
        id .. ':st', 'booked', id .. ':v', v, id .. ':w', w, id .. ':site', site,
        id .. ':ws', ws, id .. ':we', we, id .. ':calls', '0', id .. ':ver', '1')
      redis.call('ZADD', KEYS[6], id, id)
      -- The values in ticket_names order, as an HMGET would read them; on
      -- the site's channel only: no one can watch a ticket that did not
      -- exist before this script (watching reads the ticket first).
      tell('booked', id, site, {'booked', ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8],
        v, w, site, ws, we, false, false, '0', false, ARGV[1], false, false, '1'}, false)
      return {id, 1, 0, v, site, ws, we}
    end
  end
end
return redis.error_reply('FULL')
