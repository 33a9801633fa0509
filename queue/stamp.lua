-- stamp.lua: give a ticket's change its version, for the event that tells
-- of it: count one more change and return the ticket's fields as they are
-- now, in one step, so that an event of a higher version never shows an
-- older state, whichever instance publishes first. (Run after each script
-- that changed the ticket; pages drop an event older than what they show.)
-- KEYS[1] tickets hash
-- ARGV[1] ticket id, ARGV[2..] the fields to return
-- returns {version, {field values...}} (false for a field not set), or
-- {0, {}} when there is no such ticket.
local id = ARGV[1]
if redis.call('HEXISTS', KEYS[1], id .. ':st') == 0 then return {0, {}} end
local v = redis.call('HINCRBY', KEYS[1], id .. ':ver', 1)
local fs = {}
for i = 2, #ARGV do fs[#fs + 1] = id .. ':' .. ARGV[i] end
return {v, redis.call('HMGET', KEYS[1], unpack(fs))}
