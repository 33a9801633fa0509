-- unhome.lua: take back a household's home sample recorded by mistake
-- (home.lua: a room mistyped at a door): its party leaves its tube, and
-- the household counts as not sampled again. A record that was the
-- household's booking (its "was", home.lua) gives that booking back
-- when it still can: the round is on the booking's variant, its window
-- has not ended and has room for its party (the window's capacity,
-- ARGV[7]), and the household's ticket is still this one; the ticket is
-- then booked again in that window, as it was, and its phone is told
-- ("booked"). Else the record is cancelled, and the household is free to
-- be recorded or to book anew. Either way the ticket keeps who took it
-- back and when ("ub", "ubt": "end" is a later cancel's or no-show's too)
-- and when it was recorded ("hsa", once booked again), for the round's
-- list of home samples.
-- KEYS[1] ticket key prefix, KEYS[2] household index hash, KEYS[3] tube
-- fill hash, KEYS[4] line occupancy hash, KEYS[5] round state hash,
-- KEYS[6] window counters hash
-- ARGV[1] ticket id, ARGV[2] current round, ARGV[3] now (unix ms),
-- ARGV[4] the round's tube set key prefix ("natq:{c}:r:<round>:tube:"),
-- ARGV[5] the name of the staff member who takes it back, ARGV[6] the
-- window of the booking the service read in "was" ("" for none) and
-- ARGV[7] its capacity
-- returns the ticket's event (tell_values in prelude.lua), its "booked"
-- or "cancelled" event published, or an error reply "NOTICKET",
-- "OLDROUND <round>", "NOT_HOME <state>" (not a home sample),
-- "TAKEN_BACK <state>" (taken back already: "booked", its booking given
-- again, or "cancelled") or
-- "RETRY" ("was" is not what the service read: read it again).
local id = ARGV[1]
local err, t = live_read(KEYS[1], id, ARGV[2], false, 'hh', 'was', 'ub')
if err then return err end
local hh, was, ub = t[21], t[22], t[23]
t[21], t[22], t[23] = nil, nil, nil
if t[T_ST] ~= 'sampled' or t[T_ORIGIN] ~= 'home' then
  -- Taken back already (a second tap, another phone): said so.
  if ub then return redis.error_reply('TAKEN_BACK ' .. tostring(t[T_ST])) end
  return redis.error_reply('NOT_HOME ' .. tostring(t[T_ST]) .. ' ' .. tostring(t[T_ORIGIN]))
end
local w, site, ws, we, party, origin, v
if was then
  w, site, ws, we, party, origin, v = string.match(was, '^(%d+)|([^|]*)|(%d+)|(%d+)|(%d+)|([^|]*)|([^|]*)$')
end
if (w or '') ~= ARGV[6] then return redis.error_reply('RETRY') end
local tube = t[T_TUBE]
local tk = ticket_key(KEYS[1], id)
if tube and tube ~= '' then
  redis.call('HINCRBY', KEYS[3], tube, -tonumber(t[T_PARTY]))
  redis.call('SREM', ARGV[4] .. tube, id)
end
local mine = redis.call('HGET', KEYS[2], hh) == id
if w and mine and tonumber(ARGV[3]) < tonumber(we) and redis.call('HGET', KEYS[5], 'variant') == v and
  tonumber(redis.call('HGET', KEYS[6], w .. ':booked') or '0') + tonumber(party) <= tonumber(ARGV[7]) then
  redis.call('HINCRBY', KEYS[6], w .. ':booked', party)
  local sa = t[T_SA]
  t[T_ST], t[T_W], t[T_SITE], t[T_WS], t[T_WE], t[T_PARTY], t[T_ORIGIN], t[T_SA], t[T_TUBE] =
    'booked', w, site, ws, we, party, origin, false, false
  redis.call('HSET', tk, 'st', 'booked', 'w', w, 'site', site, 'ws', ws, 'we', we, 'party', party, 'origin', origin,
    'ub', ARGV[5], 'ubt', ARGV[3], 'hsa', sa or ARGV[3], 'ver', next_version(t))
  redis.call('HDEL', tk, 'sa', 'tube', 'was')
  return tell_values(KEYS[1], KEYS[4], 'booked', id, ARGV[3], true, t)
end
if mine then redis.call('HDEL', KEYS[2], hh) end
t[T_ST] = 'cancelled'
redis.call('HSET', tk, 'st', 'cancelled', 'end', ARGV[3], 'ub', ARGV[5], 'ubt', ARGV[3], 'ver', next_version(t))
return tell_values(KEYS[1], KEYS[4], 'cancelled', id, ARGV[3], true, t, '0')
