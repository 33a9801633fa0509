-- home.lua: record a household sampled at home by the door-to-door team
-- (a sealed building, a resident who cannot walk): a ticket of its own,
-- origin "home", already sampled, in no site's line and no window, so
-- that the round's coverage counts it as tested and a pooled tube lists
-- it. A household with a cancelled or missed ticket gets a new one; one
-- with a ticket booked, in line or sampled is refused (the service
-- cancels a booked one first: its seat goes back to its window).
-- KEYS[1] round state hash, KEYS[2] household index hash, KEYS[3] ticket
-- sequence, KEYS[4] ticket key prefix, KEYS[5] round's booking order
-- zset (written only for a round opened without a "first" id, as
-- book.lua), KEYS[6] tube fill hash, KEYS[7] the tube's ticket set (any
-- key of the tag when there is no tube)
-- ARGV[1] now (unix ms), ARGV[2] household key "building|unit|room",
-- ARGV[3] round, ARGV[4] building, ARGV[5] unit, ARGV[6] room, ARGV[7]
-- party, ARGV[8] tube code ("" for none), ARGV[9] samples per tube
-- returns the new ticket's id, or an error reply "NOROUND", "BOOKED <id>",
-- "IN_LINE <state>", "ALREADY_SAMPLED <sampled ms>", "TUBE_FULL <samples
-- in it>".
local state = redis.call('HMGET', KEYS[1], 'variant', 'first')
local variant, first = state[1], state[2]
if not variant then return redis.error_reply('NOROUND') end
local old = redis.call('HGET', KEYS[2], ARGV[2])
if old then
  local f = redis.call('HMGET', ticket_key(KEYS[4], old), 'st', 'sa')
  local st = f[1]
  if st == 'booked' then return redis.error_reply('BOOKED ' .. old) end
  if st == 'checked_in' or st == 'called' then return redis.error_reply('IN_LINE ' .. st) end
  if st == 'sampled' then return redis.error_reply('ALREADY_SAMPLED ' .. (f[2] or '')) end
end
local party = tonumber(ARGV[7])
if ARGV[8] ~= '' then
  local n = tonumber(redis.call('HGET', KEYS[6], ARGV[8]) or '0')
  if n + party > tonumber(ARGV[9]) then return redis.error_reply('TUBE_FULL ' .. n) end
end
local id = tostring(redis.call('INCR', KEYS[3]))
local now = ARGV[1]
redis.call('HSET', ticket_key(KEYS[4], id), 'r', ARGV[3], 'hh', ARGV[2], 'b', ARGV[4], 'u', ARGV[5],
  'room', ARGV[6], 'party', ARGV[7], 'origin', 'home', 'at', now, 'st', 'sampled', 'v', variant,
  'w', '-1', 'site', '', 'ws', now, 'we', now, 'calls', '0', 'sa', now, 'ver', '1')
if ARGV[8] ~= '' then
  redis.call('HINCRBY', KEYS[6], ARGV[8], party)
  redis.call('SADD', KEYS[7], id)
  redis.call('HSET', ticket_key(KEYS[4], id), 'tube', ARGV[8])
end
redis.call('HSET', KEYS[2], ARGV[2], id)
if not first then redis.call('ZADD', KEYS[5], id, id) end
return id
