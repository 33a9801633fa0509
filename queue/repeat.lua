-- repeat.lua: announce a called ticket's call again (its site's display
-- and the resident's page), without counting a call: an event of its own
-- ("repeat"), with the ticket's next version.
-- KEYS[1] ticket key prefix, KEYS[2] line occupancy hash, KEYS[3] lines zset
-- ARGV[1] ticket id, ARGV[2] now (unix ms)
-- returns the ticket's event reply (tell in prelude.lua), or an error
-- reply "NOTICKET" or "NOT_CALLED".
local st = redis.call('HGET', ticket_key(KEYS[1], ARGV[1]), 'st')
if not st then return redis.error_reply('NOTICKET') end
if st ~= 'called' then return redis.error_reply('NOT_CALLED') end
return tell(KEYS[1], KEYS[2], KEYS[3], 'repeat', ARGV[1], ARGV[2])
