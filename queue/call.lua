-- call.lua: call the earliest checked-in ticket of a site to the desks.
-- KEYS[1] tickets hash, KEYS[2] lines zset
-- ARGV[1] site, ARGV[2] now (unix ms)
-- returns the called ticket id, or an error reply "EMPTY" (nobody waiting).
local m = redis.call('ZRANGEBYLEX', KEYS[2], '[' .. ARGV[1] .. '|', '[' .. ARGV[1] .. '|~', 'LIMIT', 0, 1)[1]
if not m then return redis.error_reply('EMPTY') end
redis.call('ZREM', KEYS[2], m)
local id = tostring(tonumber(string.sub(m, -12)))
redis.call('HSET', KEYS[1], id .. ':st', 'called', id .. ':called', ARGV[2])
redis.call('HINCRBY', KEYS[1], id .. ':calls', 1)
return id
