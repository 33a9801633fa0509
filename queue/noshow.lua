-- noshow.lua: a called resident did not come, or is queued back. Missed
-- before the set number of calls, the ticket goes back to its place in
-- the line, to be called again once someone else has been called at the
-- site (its "rc"); at that number it becomes a no-show and frees its
-- seats in the window and the line, so the household may book again. A
-- booked ticket whose window and grace have passed is a no-show at once.
-- Queued back ("requeue"), a called ticket returns to its place at once
-- and the call is not counted.
-- KEYS[1] ticket key prefix, KEYS[2] household index hash, KEYS[3] window
-- counters hash, KEYS[4] lines zset, KEYS[5] line occupancy hash, KEYS[6]
-- call counts hash, KEYS[7] site change counters hash, KEYS[8] the
-- round's persons zset (line_add, ahead_of in prelude.lua)
-- ARGV[1] ticket id, ARGV[2] current round, ARGV[3] now (unix ms),
-- ARGV[4] calls before no-show, ARGV[5] grace after window end (ms),
-- ARGV[6] "miss" or "requeue"
-- returns {"recalled", calls, desk, event}, {"requeued", calls,
-- desk, event} or {"no_show", calls, desk, event} (tell_values in
-- prelude.lua; the event's type is the first value), or an error reply "NOTICKET", "OLDROUND
-- <round>", "NOT_CALLED" or "FINAL <state>".
local id = ARGV[1]
local err, t = live_read(KEYS[1], id, ARGV[2], false, 'hh')
if err then return err end
local st, site, hh = t[T_ST], t[T_SITE], t[21]
t[21] = nil
local party, calls, desk = tonumber(t[T_PARTY]), tonumber(t[T_CALLS]), t[T_DESK] or '0'
local tk = ticket_key(KEYS[1], id)
if st == 'called' then
  if ARGV[6] == 'requeue' or calls < tonumber(ARGV[4]) then
    line_add(KEYS[4], KEYS[8], KEYS[5], site, line_member(site, t[T_CI], id, party))
    site_changed(KEYS[7], site)
    t[T_ST] = 'checked_in'
    local typ
    if ARGV[6] == 'requeue' then
      calls = calls - 1
      t[T_CALLS] = string.format('%d', calls)
      redis.call('HSET', tk, 'st', 'checked_in', 'calls', t[T_CALLS], 'ver', next_version(t))
      typ = 'requeued'
    else
      local n = tonumber(redis.call('HGET', KEYS[6], site) or '0')
      redis.call('HSET', tk, 'st', 'checked_in', 'rc', string.format('%d', n + 1), 'ver', next_version(t))
      typ = 'recalled'
    end
    return {typ, calls, desk, tell_values(KEYS[1], KEYS[5], typ, id, ARGV[3], nil, t, nil,
      ahead_of(KEYS[4], KEYS[8], KEYS[5], site, t[T_CI], id))}
  end
  redis.call('HINCRBY', KEYS[5], site, -party)
  -- It checked in: it leaves the window's checked-in count with its seats.
  redis.call('HINCRBY', KEYS[3], t[T_W] .. ':in', -party)
elseif st == 'booked' then
  if ARGV[6] == 'requeue' or tonumber(ARGV[3]) <= tonumber(t[T_WE]) + tonumber(ARGV[5]) then return redis.error_reply('NOT_CALLED') end
elseif st == 'checked_in' then
  return redis.error_reply('NOT_CALLED')
else
  return redis.error_reply('FINAL ' .. st)
end
redis.call('HINCRBY', KEYS[3], t[T_W] .. ':booked', -party)
redis.call('HINCRBY', KEYS[3], 'freed', 1) -- book.lua's cursors may pass over the seats
if redis.call('HGET', KEYS[2], hh) == id then redis.call('HDEL', KEYS[2], hh) end
t[T_ST] = 'no_show'
redis.call('HSET', tk, 'st', 'no_show', 'end', ARGV[3], 'ver', next_version(t))
site_changed(KEYS[7], site)
return {'no_show', calls, desk, tell_values(KEYS[1], KEYS[5], 'no_show', id, ARGV[3], nil, t)}
