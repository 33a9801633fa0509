-- checkin.lua: admit a ticket's party into its site's one-metre line.
-- KEYS[1] ticket key prefix, KEYS[2] window counters hash, KEYS[3] lines
-- zset, KEYS[4] line occupancy hash, KEYS[5] site change counters hash
-- ARGV[1] ticket id, ARGV[2] current round, ARGV[3] site scanned at,
-- ARGV[4] now (unix ms), ARGV[5] grace after window end (ms), ARGV[6]
-- allowance before window start (ms), ARGV[7] and ARGV[8] the site's line
-- capacity (markers: people at 1 m apart) in the dry and the wet variant;
-- the ticket's variant picks one
-- KEYS[6] the compound's staff hash, ARGV[9] the staff token's hash
-- (staff_check in prelude.lua, first: "" when checked before); KEYS[7]
-- the round's persons zset (ahead_of in prelude.lua)
-- returns the ticket's event (tell_values in prelude.lua: its values, the
-- people in line and ahead of it), its "checked_in" event published, or
-- an error reply: "UNAUTHORIZED", "EXPIRED", "FORBIDDEN", "NOTICKET",
-- "OLDROUND <round>",
-- "ALREADY_IN <checkin ms> <state> <desk>" (checked in or called before:
-- a second scan changes nothing), "WRONG_SITE <site>", "TOO_EARLY <window start ms> <end ms>",
-- "TOO_LATE <window start ms> <end ms>", "ALREADY_SAMPLED", "CANCELLED", "NO_SHOW",
-- "LINE_FULL <people in line>".
-- ARGV is one record of the 9 values above per change, ARGV[1]
-- .. ARGV[9] the first (below, ARGV[o] is a record's first): the
-- batcher sends the changes with the same keys that wait for one round
-- trip as one run (batch.go), each made in turn as if alone, in its own
-- protected call; the script returns a list of one reply per record, each
-- as described above.
local function change(o)
  local serr = staff_check(KEYS[6], ARGV[o + 8], ARGV[o + 3])
  if serr then return serr end
  local id, site = ARGV[o], ARGV[o + 2]
  local err, t = live_read(KEYS[1], id, ARGV[o + 1], true)
  if err then return err end
  local st = t[T_ST]
  if t[T_SITE] ~= site then return redis.error_reply('WRONG_SITE ' .. t[T_SITE]) end
  if st == 'checked_in' or st == 'called' then
    return redis.error_reply('ALREADY_IN ' .. (t[T_CI] or '0') .. ' ' .. st .. ' ' .. (t[T_DESK] or '0'))
  end
  local now = tonumber(ARGV[o + 3])
  if now < tonumber(t[T_WS]) - tonumber(ARGV[o + 5]) then return redis.error_reply('TOO_EARLY ' .. t[T_WS] .. ' ' .. t[T_WE]) end
  if now > tonumber(t[T_WE]) + tonumber(ARGV[o + 4]) then return redis.error_reply('TOO_LATE ' .. t[T_WS] .. ' ' .. t[T_WE]) end
  local party = t[T_PARTY]
  local cap = tonumber(ARGV[o + 6])
  if t[T_V] == 'wet' then cap = tonumber(ARGV[o + 7]) end
  -- The party joins the line's count first and is taken off again when
  -- the line cannot hold it: one command on the way that admits.
  local inline = redis.call('HINCRBY', KEYS[4], site, party)
  if inline > cap then
    if inline == tonumber(party) then redis.call('HDEL', KEYS[4], site) else redis.call('HINCRBY', KEYS[4], site, '-' .. party) end
    return redis.error_reply('LINE_FULL ' .. string.format('%d', inline - party))
  end
  redis.call('HINCRBY', KEYS[2], t[T_W] .. ':in', party)
  local count = redis.call('HGET', KEYS[4], '#' .. site)
  line_add(KEYS[3], KEYS[7], KEYS[4], site, line_member(site, ARGV[o + 3], id, party), count ~= false)
  t[T_ST], t[T_CI] = 'checked_in', ARGV[o + 3]
  redis.call('HSET', ticket_key(KEYS[1], id), 'st', 'checked_in', 'ci', ARGV[o + 3], 'ver', next_version(t))
  site_changed(KEYS[5], site)
  -- Nobody ahead when nobody else is in the line (checked in or called).
  local ahead = 0
  if inline > tonumber(party) then
    ahead = ahead_of(KEYS[3], KEYS[7], KEYS[4], site, ARGV[o + 3], id, count and tonumber(count) + 1, inline)
  end
  return tell_values(KEYS[1], KEYS[4], 'checked_in', id, ARGV[o + 3], true, t, inline, ahead)
end
return each_record(9, change)
