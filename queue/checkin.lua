-- checkin.lua: admit a ticket's party into its site's one-metre line.
-- KEYS[1] tickets hash, KEYS[2] window counters hash, KEYS[3] lines zset,
-- KEYS[4] line occupancy hash
-- ARGV[1] ticket id, ARGV[2] current round, ARGV[3] site scanned at,
-- ARGV[4] now (unix ms), ARGV[5] grace after window end (ms), ARGV[6]
-- allowance before window start (ms), ARGV[7] and ARGV[8] the site's line
-- capacity (markers: people at 1 m apart) in the dry and the wet variant;
-- the ticket's variant picks one
-- returns "checked_in" or "already" (checked in or called before), or an
-- error reply: "NOTICKET", "OLDROUND", "WRONG_SITE <site>", "TOO_EARLY",
-- "TOO_LATE", "ALREADY_SAMPLED", "CANCELLED", "NO_SHOW",
-- "LINE_FULL <people in line>".
-- Line members are "site|checkin ms|id", zero-padded, all scored 0, so a
-- lexical range is one site's line in check-in order.
local id = ARGV[1]
local f = redis.call('HMGET', KEYS[1], id .. ':st', id .. ':r', id .. ':site', id .. ':ws', id .. ':we', id .. ':party', id .. ':w', id .. ':v')
local st = f[1]
if not st then return redis.error_reply('NOTICKET') end
if f[2] ~= ARGV[2] then return redis.error_reply('OLDROUND') end
if st == 'sampled' then return redis.error_reply('ALREADY_SAMPLED') end
if st == 'cancelled' then return redis.error_reply('CANCELLED') end
if st == 'no_show' then return redis.error_reply('NO_SHOW') end
if f[3] ~= ARGV[3] then return redis.error_reply('WRONG_SITE ' .. f[3]) end
if st == 'checked_in' or st == 'called' then return 'already' end
local now = tonumber(ARGV[4])
if now < tonumber(f[4]) - tonumber(ARGV[6]) then return redis.error_reply('TOO_EARLY') end
if now > tonumber(f[5]) + tonumber(ARGV[5]) then return redis.error_reply('TOO_LATE') end
local party = tonumber(f[6])
local occ = tonumber(redis.call('HGET', KEYS[4], ARGV[3]) or '0')
local cap = tonumber(ARGV[7])
if f[8] == 'wet' then cap = tonumber(ARGV[8]) end
if occ + party > cap then return redis.error_reply('LINE_FULL ' .. occ) end
redis.call('HINCRBY', KEYS[4], ARGV[3], party)
redis.call('HINCRBY', KEYS[2], f[7] .. ':in', party)
redis.call('ZADD', KEYS[3], 0, string.format('%s|%015d|%012d', ARGV[3], now, tonumber(id)))
redis.call('HSET', KEYS[1], id .. ':st', 'checked_in', id .. ':ci', ARGV[4])
return 'checked_in'
