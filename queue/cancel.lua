-- cancel.lua: cancel a ticket and free its seats in its window (and its
-- place in the line, and its count among the window's checked in), so
-- the household may book again.
-- KEYS[1] ticket key prefix, KEYS[2] household index hash, KEYS[3] window
-- counters hash, KEYS[4] lines zset, KEYS[5] line occupancy hash, KEYS[6]
-- site change counters hash, KEYS[7] the round's persons zset (leave_line
-- in prelude.lua)
-- ARGV[1] ticket id, ARGV[2] current round, ARGV[3] now (unix ms)
-- returns the ticket's event (tell_values in prelude.lua), its "cancelled"
-- event published, or an error reply "NOTICKET", "OLDROUND <round>" or
-- "FINAL <state>" (sampled, no_show or cancelled already).
local id = ARGV[1]
local err, t = live_read(KEYS[1], id, ARGV[2], false, 'hh')
if err then return err end
local st, site, hh = t[T_ST], t[T_SITE], t[21]
t[21] = nil
if st ~= 'booked' and st ~= 'checked_in' and st ~= 'called' then
  return redis.error_reply('FINAL ' .. st)
end
local party = tonumber(t[T_PARTY])
redis.call('HINCRBY', KEYS[3], t[T_W] .. ':booked', -party)
-- One checked in leaves the window's checked-in count too: the people
-- still to come are booked minus it (the forecast's).
if st ~= 'booked' then redis.call('HINCRBY', KEYS[3], t[T_W] .. ':in', -party) end
redis.call('HINCRBY', KEYS[3], 'freed', 1) -- book.lua's cursors may pass over the seats
local inline = leave_line(KEYS[4], KEYS[7], KEYS[5], id, st, site, t[T_CI], party)
if redis.call('HGET', KEYS[2], hh) == id then redis.call('HDEL', KEYS[2], hh) end
t[T_ST] = 'cancelled'
redis.call('HSET', ticket_key(KEYS[1], id), 'st', 'cancelled', 'end', ARGV[3], 'ver', next_version(t))
if st ~= 'booked' then site_changed(KEYS[6], site) end
return tell_values(KEYS[1], KEYS[5], 'cancelled', id, ARGV[3], true, t, inline)
