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
-- call counts hash, KEYS[7] site change counters hash
-- ARGV[1] ticket id, ARGV[2] current round, ARGV[3] now (unix ms),
-- ARGV[4] calls before no-show, ARGV[5] grace after window end (ms),
-- ARGV[6] "miss" or "requeue"
-- returns {"recalled", calls, desk, event reply}, {"requeued", calls,
-- desk, event reply} or {"no_show", calls, desk, event reply} (tell in
-- prelude.lua; the event's type is the first value), or an error reply "NOTICKET", "OLDROUND
-- <round>", "NOT_CALLED" or "FINAL <state>".
local id = ARGV[1]
local err, f = live_ticket(KEYS[1], id, ARGV[2], {'site', 'we', 'party', 'w', 'ci', 'calls', 'hh', 'desk'}, false)
if err then return err end
local st = f.st
local party, calls, desk = tonumber(f.party), tonumber(f.calls), f.desk or '0'
if st == 'called' then
  if ARGV[6] == 'requeue' or calls < tonumber(ARGV[4]) then
    redis.call('ZADD', KEYS[4], 0, line_member(f.site, f.ci, id, party))
    redis.call('HSET', ticket_key(KEYS[1], id), 'st', 'checked_in')
    site_changed(KEYS[7], f.site)
    if ARGV[6] == 'requeue' then
      redis.call('HINCRBY', ticket_key(KEYS[1], id), 'calls', -1)
      return {'requeued', calls - 1, desk, tell(KEYS[1], KEYS[5], KEYS[4], 'requeued', id, ARGV[3])}
    end
    local n = tonumber(redis.call('HGET', KEYS[6], f.site) or '0')
    redis.call('HSET', ticket_key(KEYS[1], id), 'rc', n + 1)
    return {'recalled', calls, desk, tell(KEYS[1], KEYS[5], KEYS[4], 'recalled', id, ARGV[3])}
  end
  redis.call('HINCRBY', KEYS[5], f.site, -party)
elseif st == 'booked' then
  if ARGV[6] == 'requeue' or tonumber(ARGV[3]) <= tonumber(f.we) + tonumber(ARGV[5]) then return redis.error_reply('NOT_CALLED') end
elseif st == 'checked_in' then
  return redis.error_reply('NOT_CALLED')
else
  return redis.error_reply('FINAL ' .. st)
end
redis.call('HINCRBY', KEYS[3], f.w .. ':booked', -party)
if redis.call('HGET', KEYS[2], f.hh) == id then redis.call('HDEL', KEYS[2], f.hh) end
redis.call('HSET', ticket_key(KEYS[1], id), 'st', 'no_show', 'end', ARGV[3])
site_changed(KEYS[7], f.site)
return {'no_show', calls, desk, tell(KEYS[1], KEYS[5], KEYS[4], 'no_show', id, ARGV[3])}
