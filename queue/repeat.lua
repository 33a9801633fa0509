-- repeat.lua: announce a called ticket's call again (its site's display
-- and the resident's page), without counting a call: an event of its own
-- ("repeat"), with the ticket's next version.
-- KEYS[1] ticket key prefix, KEYS[2] line occupancy hash, KEYS[3] lines zset
-- ARGV[1] ticket id, ARGV[2] now (unix ms)
-- returns the ticket's event (tell_values in prelude.lua), or an error
-- reply "NOTICKET" or "NOT_CALLED".
local t = ticket_read(KEYS[1], ARGV[1])
if not t[T_ST] then return redis.error_reply('NOTICKET') end
if t[T_ST] ~= 'called' then return redis.error_reply('NOT_CALLED') end
redis.call('HSET', ticket_key(KEYS[1], ARGV[1]), 'ver', next_version(t))
return tell_values(KEYS[1], KEYS[2], 'repeat', ARGV[1], ARGV[2], nil, t)
