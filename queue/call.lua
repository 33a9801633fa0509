-- call.lua: call the next checked-in ticket of a site to one of its
-- desks. A desk has at most one called person: while its last call is
-- still "called" (neither sampled, missed nor queued back) it is refused.
-- A ticket whose call was missed waits in its place until another has
-- been called at the site since (its "rc", the site's call count it
-- waits for); when nobody else is waiting it is called again.
-- KEYS[1] ticket key prefix, KEYS[2] lines zset, KEYS[3] desks hash
-- ("site|desk" -> ticket id), KEYS[4] call counts hash (site -> calls),
-- KEYS[5] line occupancy hash, KEYS[6] site change counters hash
-- ARGV[1] site, ARGV[2] now (unix ms), ARGV[3] desk, ARGV[4] "1" to call
-- only someone not waiting for a recall (the call that follows a miss)
-- KEYS[7] the compound's staff hash, ARGV[5] the staff token's hash
-- (staff_check in prelude.lua, first: "" when checked before); KEYS[8]
-- the round's persons zset (line_del in prelude.lua)
-- returns the called ticket's event (tell_values in prelude.lua), its
-- "called" event published, or an error reply "UNAUTHORIZED", "EXPIRED",
-- "FORBIDDEN", "EMPTY" (nobody waiting) or "DESK_BUSY <ticket id>" (the desk's called ticket).
-- ARGV is one record of the 5 values above per change, ARGV[1]
-- .. ARGV[5] the first (below, ARGV[o] is a record's first): the
-- batcher sends the changes with the same keys that wait for one round
-- trip as one run (batch.go), each made in turn as if alone, in its own
-- protected call; the script returns a list of one reply per record, each
-- as described above.
local function change(o)
  local serr = staff_check(KEYS[7], ARGV[o + 4], ARGV[o + 1])
  if serr then return serr end
  local site, desk = ARGV[o], ARGV[o + 2]
  local dk = site .. '|' .. desk
  local cur = redis.call('HGET', KEYS[3], dk)
  if cur then
    local v = redis.call('HMGET', ticket_key(KEYS[1], cur), 'st', 'site', 'desk')
    if v[1] == 'called' and v[2] == site and v[3] == desk then
      return redis.error_reply('DESK_BUSY ' .. cur)
    end
  end
  -- The line is read a page at a time, up to 500 people: a first page of
  -- one (most calls take the first), then pages of 25. Each member's ticket
  -- is read whole with its "rc" (ticket_read): the one called is read once,
  -- for its change and its event. The site's call count is read only for
  -- a member waiting for a recall.
  local pick, t, first, n, head = nil, nil, nil, nil, nil
  local from, size, lim = 0, 1, {'0', '1'} -- the page's LIMIT, as strings
  while from < 500 do
    local ms = redis.call('ZRANGEBYLEX', KEYS[2], '[' .. site .. '|', '[' .. site .. '|~', 'LIMIT', lim[1], lim[2])
    head = head or ms[1]
    for _, m in ipairs(ms) do
      local v = ticket_read(KEYS[1], line_id(m), 'rc')
      if v[21] and not n then n = tonumber(redis.call('HGET', KEYS[4], site) or '0') end
      if not v[21] or tonumber(v[21]) <= n then pick, t = m, v break end
      first = first or m
    end
    if pick or #ms < size then break end
    from = from + size
    size = math.min(25, 500 - from)
    lim = {string.format('%d', from), string.format('%d', size)}
  end
  if not pick and ARGV[o + 3] ~= '1' and first then
    pick, t = first, ticket_read(KEYS[1], line_id(first), 'rc')
  end
  if not pick then return redis.error_reply('EMPTY') end
  -- The site's people in line (for the event: a call leaves them in the
  -- occupancy) and whether its persons are kept.
  local oc = redis.call('HMGET', KEYS[5], site, '#' .. site)
  local kept = oc[2] ~= false
  if kept and pick == head and redis.call('ZLEXCOUNT', KEYS[8], '[' .. site .. '|', '(' .. string.sub(pick, 1, -3)) > 0 then
    -- Persons ahead of the line's first: an older natq's change left
    -- them. Not kept until ahead_of keeps the site's persons anew.
    redis.call('HDEL', KEYS[5], '#' .. site)
    kept = false
  end
  line_del(KEYS[2], KEYS[8], KEYS[5], site, pick, kept)
  local id = line_id(pick)
  local tk = ticket_key(KEYS[1], id)
  local rc = t[21]
  t[21] = nil
  t[T_ST], t[T_CALLED], t[T_DESK] = 'called', ARGV[o + 1], desk
  t[T_CALLS] = string.format('%d', (tonumber(t[T_CALLS]) or 0) + 1)
  redis.call('HSET', tk, 'st', 'called', 'called', ARGV[o + 1], 'desk', desk, 'calls', t[T_CALLS], 'ver', next_version(t))
  if rc then redis.call('HDEL', tk, 'rc') end
  redis.call('HINCRBY', KEYS[4], site, '1')
  redis.call('HSET', KEYS[3], dk, id)
  site_changed(KEYS[6], site)
  return tell_values(KEYS[1], KEYS[5], 'called', id, ARGV[o + 1], nil, t, oc[1] or '0')
end
return each_record(5, change)
