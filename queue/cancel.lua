-- cancel.lua: cancel a ticket and free its seats in its window (and its
-- place in the line), so the household may book again.
-- KEYS[1] tickets hash, KEYS[2] household index hash, KEYS[3] window counters
-- hash, KEYS[4] lines zset, KEYS[5] line occupancy hash
-- ARGV[1] ticket id, ARGV[2] current round, ARGV[3] now (unix ms)
-- returns "cancelled", or an error reply "NOTICKET", "OLDROUND" or
-- "FINAL <state>" (sampled, no_show or cancelled already).
local id = ARGV[1]
local st = redis.call('HGET', KEYS[1], id .. ':st')
if not st then return redis.error_reply('NOTICKET') end
if redis.call('HGET', KEYS[1], id .. ':r') ~= ARGV[2] then return redis.error_reply('OLDROUND') end
if st ~= 'booked' and st ~= 'checked_in' and st ~= 'called' then
  return redis.error_reply('FINAL ' .. st)
end
local f = redis.call('HMGET', KEYS[1], id .. ':party', id .. ':w', id .. ':site', id .. ':ci', id .. ':hh')
local party, w, site = tonumber(f[1]), f[2], f[3]
redis.call('HINCRBY', KEYS[3], w .. ':booked', -party)
if st == 'checked_in' then
  redis.call('ZREM', KEYS[4], string.format('%s|%015d|%012d', site, tonumber(f[4]), tonumber(id)))
end
if st == 'checked_in' or st == 'called' then
  redis.call('HINCRBY', KEYS[5], site, -party)
end
if redis.call('HGET', KEYS[2], f[5]) == id then redis.call('HDEL', KEYS[2], f[5]) end
redis.call('HSET', KEYS[1], id .. ':st', 'cancelled', id .. ':end', ARGV[3])
return 'cancelled'
