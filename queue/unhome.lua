-- unhome.lua: take back a household's home sample recorded by mistake
-- (home.lua: a room mistyped at a door): the record is cancelled, its
-- party leaves its tube, and the household counts as not sampled again,
-- free to be recorded or to book anew.
-- KEYS[1] ticket key prefix, KEYS[2] household index hash, KEYS[3] tube
-- fill hash, KEYS[4] line occupancy hash
-- ARGV[1] ticket id, ARGV[2] current round, ARGV[3] now (unix ms),
-- ARGV[4] the round's tube set key prefix ("natq:{c}:r:<round>:tube:"),
-- ARGV[5] the name of the staff member who takes it back (the ticket's
-- "ub", beside "end", the time: the round's list of home samples shows
-- both)
-- returns the ticket's event (tell_values in prelude.lua), its
-- "cancelled" event published, or an error reply "NOTICKET", "OLDROUND
-- <round>" or "NOT_HOME <state>" (not a home sample).
local id = ARGV[1]
local err, t = live_read(KEYS[1], id, ARGV[2], false, 'hh')
if err then return err end
local hh = t[21]
t[21] = nil
if t[T_ST] ~= 'sampled' or t[T_ORIGIN] ~= 'home' then
  return redis.error_reply('NOT_HOME ' .. tostring(t[T_ST]) .. ' ' .. tostring(t[T_ORIGIN]))
end
local tube = t[T_TUBE]
if tube and tube ~= '' then
  redis.call('HINCRBY', KEYS[3], tube, -tonumber(t[T_PARTY]))
  redis.call('SREM', ARGV[4] .. tube, id)
end
if redis.call('HGET', KEYS[2], hh) == id then redis.call('HDEL', KEYS[2], hh) end
t[T_ST] = 'cancelled'
redis.call('HSET', ticket_key(KEYS[1], id), 'st', 'cancelled', 'end', ARGV[3], 'ub', ARGV[5], 'ver', next_version(t))
return tell_values(KEYS[1], KEYS[4], 'cancelled', id, ARGV[3], true, t, '0')
