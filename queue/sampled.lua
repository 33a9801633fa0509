-- sampled.lua: record that a ticket's party has been sampled, optionally
-- into a pooled tube, and take it out of the line.
-- KEYS[1] ticket key prefix, KEYS[2] window counters hash, KEYS[3] lines
-- zset, KEYS[4] line occupancy hash, KEYS[5] tube fill hash, KEYS[6] the
-- tube's ticket set (any key of the tag when there is no tube), KEYS[7]
-- site change counters hash
-- ARGV[1] ticket id, ARGV[2] current round, ARGV[3] now (unix ms),
-- ARGV[4] tube code ("" for none), ARGV[5] samples per tube
-- KEYS[8] the compound's staff hash, ARGV[6] the staff token's hash
-- (staff_check in prelude.lua, first: "" when checked before); KEYS[9]
-- the round's persons zset (leave_line in prelude.lua), ARGV[7] the site
-- of the desk that samples ("" for any: a ticket moved to another site's
-- line, by the rain switch, is that site's to sample)
-- A sample after a call adds the party and its call-to-sample time to the
-- site's pace ("pace:<site>:n" people, "pace:<site>:ms") in the window
-- counters hash: the forecast's measured desk time.
-- returns the ticket's event (tell_values in prelude.lua), its "sampled"
-- event published, or an error reply "UNAUTHORIZED", "EXPIRED",
-- "FORBIDDEN", "NOTICKET", "OLDROUND <round>",
-- "ALREADY_SAMPLED", "CANCELLED", "NO_SHOW", "WRONG_SITE <its site>",
-- "TUBE_FULL <samples in it>".
-- ARGV is one record of the 7 values above per change, ARGV[1]
-- .. ARGV[7] the first (below, ARGV[o] is a record's first): the
-- batcher sends the changes with the same keys that wait for one round
-- trip as one run (batch.go), each made in turn as if alone, in its own
-- protected call; the script returns a list of one reply per record, each
-- as described above.
local function change(o)
  local serr = staff_check(KEYS[8], ARGV[o + 5], ARGV[o + 2])
  if serr then return serr end
  local id = ARGV[o]
  local err, t = live_read(KEYS[1], id, ARGV[o + 1], true)
  if err then return err end
  local st, site, party = t[T_ST], t[T_SITE], t[T_PARTY]
  if ARGV[o + 6] ~= '' and site ~= ARGV[o + 6] then return redis.error_reply('WRONG_SITE ' .. site) end
  local tk = ticket_key(KEYS[1], id)
  if ARGV[o + 3] ~= '' then
    local n = tonumber(redis.call('HGET', KEYS[5], ARGV[o + 3]) or '0')
    if n + party > tonumber(ARGV[o + 4]) then return redis.error_reply('TUBE_FULL ' .. n) end
    redis.call('HINCRBY', KEYS[5], ARGV[o + 3], party)
    redis.call('SADD', KEYS[6], id)
    t[T_TUBE] = ARGV[o + 3]
  end
  local inline = leave_line(KEYS[3], KEYS[9], KEYS[4], id, st, site, t[T_CI], party)
  local done = t[T_W] .. ':sampled'
  if st == 'called' and t[T_CALLED] and tonumber(ARGV[o + 2]) > tonumber(t[T_CALLED]) then
    -- The three counters in one read and one write.
    local pn, pms = 'pace:' .. site .. ':n', 'pace:' .. site .. ':ms'
    local c = redis.call('HMGET', KEYS[2], pn, pms, done)
    local f = string.format
    redis.call('HSET', KEYS[2], pn, f('%d', (tonumber(c[1]) or 0) + party),
      pms, f('%d', (tonumber(c[2]) or 0) + tonumber(ARGV[o + 2]) - tonumber(t[T_CALLED])), done, f('%d', (tonumber(c[3]) or 0) + party))
  else
    redis.call('HINCRBY', KEYS[2], done, party)
  end
  t[T_ST], t[T_SA] = 'sampled', ARGV[o + 2]
  if ARGV[o + 3] ~= '' then
    redis.call('HSET', tk, 'st', 'sampled', 'sa', ARGV[o + 2], 'tube', ARGV[o + 3], 'ver', next_version(t))
  else
    redis.call('HSET', tk, 'st', 'sampled', 'sa', ARGV[o + 2], 'ver', next_version(t))
  end
  site_changed(KEYS[7], site)
  return tell_values(KEYS[1], KEYS[4], 'sampled', id, ARGV[o + 2], true, t, inline)
end
return each_record(7, change)
