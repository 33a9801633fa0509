-- read.lua: a ticket as its page shows it, in one step: its fields, the
-- people in its site's line and ahead of it, and what its site's forecast
-- is keyed on (forecast.go), so that a ticket read is one round trip.
-- KEYS[1] ticket key prefix, KEYS[2] round state hash, KEYS[3] line
-- occupancy hash, KEYS[4] lines zset, KEYS[5] site change counters hash
-- (all of the compound's current round)
-- ARGV[1] ticket id, ARGV[2] the current round
-- returns {values (ticket_names order), people in its site's line, people
-- ahead of it, the round's variant, the site's change count, the round's
-- (rain switches)}: the forecast's key; false for the last three, and 0
-- people, for a ticket of another round (the current round's keys say
-- nothing of it); or {} when there is no such ticket.
local id = ARGV[1]
local vals = ticket_values(KEYS[1], id)
local st, r, site = vals[1], vals[2], vals[10]
if not st then return {} end
if r ~= ARGV[2] then
  return {vals, 0, 0, false, false, false}
end
local inline = tonumber(redis.call('HGET', KEYS[3], site) or '0')
local ahead = 0
if st == 'booked' then ahead = inline end
if st == 'checked_in' then ahead = ahead_of(KEYS[1], KEYS[4], site, line_member(site, vals[13], id)) end
local sv = redis.call('HMGET', KEYS[5], site, '*')
return {vals, inline, ahead, redis.call('HGET', KEYS[2], 'variant'), sv[1] or '0', sv[2] or '0'}
