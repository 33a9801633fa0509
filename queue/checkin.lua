-- checkin.lua: admit a ticket's party into its site's one-metre line.
-- KEYS[1] ticket key prefix, KEYS[2] window counters hash, KEYS[3] lines
-- zset, KEYS[4] line occupancy hash, KEYS[5] site change counters hash
-- ARGV[1] ticket id, ARGV[2] current round, ARGV[3] site scanned at,
-- ARGV[4] now (unix ms), ARGV[5] grace after window end (ms), ARGV[6]
-- allowance before window start (ms), ARGV[7] and ARGV[8] the site's line
-- capacity (markers: people at 1 m apart) in the dry and the wet variant;
-- the ticket's variant picks one
-- KEYS[6] the compound's staff hash, ARGV[9] the staff token's hash
-- (staff_check in prelude.lua, first: "" when checked before)
-- returns the ticket's event reply (tell in prelude.lua: its values, the
-- people in line and ahead of it), its "checked_in" event published, or
-- an error reply: "UNAUTHORIZED", "EXPIRED", "FORBIDDEN", "NOTICKET",
-- "OLDROUND <round>",
-- "ALREADY_IN <checkin ms> <state> <desk>" (checked in or called before:
-- a second scan changes nothing), "WRONG_SITE <site>", "TOO_EARLY",
-- "TOO_LATE", "ALREADY_SAMPLED", "CANCELLED", "NO_SHOW",
-- "LINE_FULL <people in line>".
local serr = staff_check(KEYS[6], ARGV[9], ARGV[4])
if serr then return serr end
local id = ARGV[1]
local err, f = live_ticket(KEYS[1], id, ARGV[2], {'site', 'ws', 'we', 'party', 'w', 'v', 'ci', 'desk'}, true)
if err then return err end
if f.site ~= ARGV[3] then return redis.error_reply('WRONG_SITE ' .. f.site) end
if f.st == 'checked_in' or f.st == 'called' then
  return redis.error_reply('ALREADY_IN ' .. (f.ci or '0') .. ' ' .. f.st .. ' ' .. (f.desk or '0'))
end
local now = tonumber(ARGV[4])
if now < tonumber(f.ws) - tonumber(ARGV[6]) then return redis.error_reply('TOO_EARLY') end
if now > tonumber(f.we) + tonumber(ARGV[5]) then return redis.error_reply('TOO_LATE') end
local party = tonumber(f.party)
local occ = tonumber(redis.call('HGET', KEYS[4], ARGV[3]) or '0')
local cap = tonumber(ARGV[7])
if f.v == 'wet' then cap = tonumber(ARGV[8]) end
if occ + party > cap then return redis.error_reply('LINE_FULL ' .. occ) end
local inline = redis.call('HINCRBY', KEYS[4], ARGV[3], party)
redis.call('HINCRBY', KEYS[2], f.w .. ':in', party)
redis.call('ZADD', KEYS[3], 0, line_member(ARGV[3], now, id, party))
redis.call('HSET', ticket_key(KEYS[1], id), 'st', 'checked_in', 'ci', ARGV[4])
site_changed(KEYS[5], ARGV[3])
return tell(KEYS[1], KEYS[4], KEYS[3], 'checked_in', id, ARGV[4], true, inline)
