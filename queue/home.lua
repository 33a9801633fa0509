-- home.lua: record a household sampled at home by the door-to-door team
-- (a sealed building, a resident who cannot walk), in no site's line and
-- no window, so that the round's coverage counts it as tested and a
-- pooled tube lists it. A household with no ticket, or a cancelled or
-- missed one, gets a ticket of its own, origin "home", sampled. One
-- with a booked ticket has that ticket made the record: its seat goes
-- back to its window (as a cancel gives it back), it leaves the window,
-- and its event tells the phone that follows it; the booking it had is
-- kept in the ticket's "was" ("<window>|<site>|<start ms>|<end ms>|
-- <party>|<origin>|<variant>"), so that taking the record back
-- (unhome.lua) can give the household its booking again. One in a
-- site's line, or sampled already, is refused.
-- KEYS[1] round state hash, KEYS[2] household index hash, KEYS[3] ticket
-- sequence, KEYS[4] ticket key prefix, KEYS[5] round's booking order
-- zset (written only for a round opened without a "first" id, as
-- book.lua), KEYS[6] tube fill hash, KEYS[7] the tube's ticket set (any
-- key of the tag when there is no tube), KEYS[8] window counters hash,
-- KEYS[9] line occupancy hash
-- ARGV[1] now (unix ms), ARGV[2] household key "building|unit|room",
-- ARGV[3] round, ARGV[4] building, ARGV[5] unit, ARGV[6] room, ARGV[7]
-- party, ARGV[8] tube code ("" for none), ARGV[9] samples per tube,
-- ARGV[10] the name of the staff member who records it (the ticket's
-- "by": the round's list of home samples shows it, HomeSamples)
-- returns the ticket's id, or an error reply "NOROUND", "IN_LINE
-- <state>", "ALREADY_SAMPLED <sampled ms>", "TUBE_FULL <samples in it>".
local state = redis.call('HMGET', KEYS[1], 'variant', 'first')
local variant, first = state[1], state[2]
if not variant then return redis.error_reply('NOROUND') end
local now, party, tube = ARGV[1], tonumber(ARGV[7]), ARGV[8]
local old = redis.call('HGET', KEYS[2], ARGV[2])
local t
if old then
  t = ticket_read(KEYS[4], old)
  local st = t[T_ST]
  if st == 'checked_in' or st == 'called' then return redis.error_reply('IN_LINE ' .. st) end
  if st == 'sampled' then return redis.error_reply('ALREADY_SAMPLED ' .. (t[T_SA] or '')) end
  if st ~= 'booked' or t[T_R] ~= ARGV[3] then t = nil end
end
if tube ~= '' then
  local n = tonumber(redis.call('HGET', KEYS[6], tube) or '0')
  if n + party > tonumber(ARGV[9]) then return redis.error_reply('TUBE_FULL ' .. n) end
end
local id
if t then
  id = old
  redis.call('HINCRBY', KEYS[8], t[T_W] .. ':booked', -tonumber(t[T_PARTY]))
  redis.call('HINCRBY', KEYS[8], 'freed', 1) -- book.lua's cursors may pass over the seat
  local was = (t[T_W] or '') .. '|' .. (t[T_SITE] or '') .. '|' .. (t[T_WS] or '') .. '|' .. (t[T_WE] or '') .. '|' ..
    (t[T_PARTY] or '') .. '|' .. (t[T_ORIGIN] or '') .. '|' .. (t[T_V] or '')
  t[T_ST], t[T_PARTY], t[T_ORIGIN], t[T_W], t[T_SITE], t[T_WS], t[T_WE], t[T_SA] =
    'sampled', ARGV[7], 'home', '-1', '', now, now, now
  if tube ~= '' then t[T_TUBE] = tube end
  local tk = ticket_key(KEYS[4], id)
  redis.call('HSET', tk, 'st', 'sampled', 'party', ARGV[7], 'origin', 'home', 'w', '-1',
    'site', '', 'ws', now, 'we', now, 'sa', now, 'by', ARGV[10], 'was', was, 'ver', next_version(t))
  -- An earlier record of this ticket, taken back and its booking given
  -- again, is this record now.
  redis.call('HDEL', tk, 'ub', 'ubt', 'end', 'hsa')
else
  id = tostring(redis.call('INCR', KEYS[3]))
  redis.call('HSET', ticket_key(KEYS[4], id), 'r', ARGV[3], 'hh', ARGV[2], 'b', ARGV[4], 'u', ARGV[5],
    'room', ARGV[6], 'party', ARGV[7], 'origin', 'home', 'at', now, 'st', 'sampled', 'v', variant,
    'w', '-1', 'site', '', 'ws', now, 'we', now, 'calls', '0', 'sa', now, 'by', ARGV[10], 'ver', '1')
  redis.call('HSET', KEYS[2], ARGV[2], id)
  if not first then redis.call('ZADD', KEYS[5], id, id) end
end
if tube ~= '' then
  redis.call('HINCRBY', KEYS[6], tube, party)
  redis.call('SADD', KEYS[7], id)
  redis.call('HSET', ticket_key(KEYS[4], id), 'tube', tube)
end
if t then tell_values(KEYS[4], KEYS[9], 'sampled', id, now, true, t, '0') end
return id
