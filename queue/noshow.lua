-- noshow.lua: a called resident did not come. Before the set number of
-- calls the ticket goes back to its place at the head of the line (to be
-- called again); at that number it becomes a no-show and frees its seats
-- in the window and the line, so the household may book again. A booked
-- ticket whose window and grace have passed is a no-show at once.
-- KEYS[1] tickets hash, KEYS[2] household index hash, KEYS[3] window
-- counters hash, KEYS[4] lines zset, KEYS[5] line occupancy hash
-- ARGV[1] ticket id, ARGV[2] current round, ARGV[3] now (unix ms),
-- ARGV[4] calls before no-show, ARGV[5] grace after window end (ms)
-- returns {"recalled", calls} or {"no_show", calls}, or an error reply
-- "NOTICKET", "OLDROUND", "NOT_CALLED" or "FINAL <state>".
local id = ARGV[1]
local f = redis.call('HMGET', KEYS[1], id .. ':st', id .. ':r', id .. ':site', id .. ':we', id .. ':party', id .. ':w', id .. ':ci', id .. ':calls', id .. ':hh')
local st = f[1]
if not st then return redis.error_reply('NOTICKET') end
if f[2] ~= ARGV[2] then return redis.error_reply('OLDROUND') end
local party, calls = tonumber(f[5]), tonumber(f[8])
if st == 'called' then
  if calls < tonumber(ARGV[4]) then
    redis.call('ZADD', KEYS[4], 0, string.format('%s|%015d|%012d', f[3], tonumber(f[7]), tonumber(id)))
    redis.call('HSET', KEYS[1], id .. ':st', 'checked_in')
    return {'recalled', calls}
  end
  redis.call('HINCRBY', KEYS[5], f[3], -party)
elseif st == 'booked' then
  if tonumber(ARGV[3]) <= tonumber(f[4]) + tonumber(ARGV[5]) then return redis.error_reply('NOT_CALLED') end
elseif st == 'checked_in' then
  return redis.error_reply('NOT_CALLED')
else
  return redis.error_reply('FINAL ' .. st)
end
redis.call('HINCRBY', KEYS[3], f[6] .. ':booked', -party)
if redis.call('HGET', KEYS[2], f[9]) == id then redis.call('HDEL', KEYS[2], f[9]) end
redis.call('HSET', KEYS[1], id .. ':st', 'no_show', id .. ':end', ARGV[3])
return {'no_show', calls}
