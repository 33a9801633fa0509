-- cancel.lua: cancel a ticket and free its seats in its window (and its
-- place in the line), so the household may book again.
-- KEYS[1] ticket key prefix, KEYS[2] household index hash, KEYS[3] window
-- counters hash, KEYS[4] lines zset, KEYS[5] line occupancy hash, KEYS[6]
-- site change counters hash
-- ARGV[1] ticket id, ARGV[2] current round, ARGV[3] now (unix ms)
-- returns the ticket's event reply (tell in prelude.lua), its "cancelled"
-- event published, or an error reply "NOTICKET", "OLDROUND <round>" or
-- "FINAL <state>" (sampled, no_show or cancelled already).
local id = ARGV[1]
local err, f = live_ticket(KEYS[1], id, ARGV[2], {'party', 'w', 'site', 'ci', 'hh'}, false)
if err then return err end
local st = f.st
if st ~= 'booked' and st ~= 'checked_in' and st ~= 'called' then
  return redis.error_reply('FINAL ' .. st)
end
local party = tonumber(f.party)
redis.call('HINCRBY', KEYS[3], f.w .. ':booked', -party)
local inline = leave_line(KEYS[4], KEYS[5], id, f, party)
if redis.call('HGET', KEYS[2], f.hh) == id then redis.call('HDEL', KEYS[2], f.hh) end
redis.call('HSET', ticket_key(KEYS[1], id), 'st', 'cancelled', 'end', ARGV[3])
if st ~= 'booked' then site_changed(KEYS[6], f.site) end
return tell(KEYS[1], KEYS[5], KEYS[4], 'cancelled', id, ARGV[3], true, inline)
