-- switch.lua: move a round onto another weather variant. Every ticket still
-- to be sampled (booked, checked in or called), in booking order, gets a
-- window of the new variant that has not ended and has room for its party,
-- no earlier than the window given to the previous ticket of its building
-- and unit, so that booking order is kept. It looks first among the
-- windows calling its unit, within the people the plan calls there for it
-- (so that one building does not take the seats planned for another and
-- push the next out), its own window first when the new variant has it
-- (the same site, start and end, calling its unit); then, preferring windows that do not end before its
-- old window started, in those windows beyond that, in its building's
-- windows and, rather than lose the ticket, in any window. Only when order
-- cannot be kept anywhere is it given up, for the earliest window with
-- room in the same search.
-- People already in a line (checked in or called) are not sent home, and
-- are seated first, before any booked ticket, since they are at a site
-- now: when their site is also a site of the new variant they keep their
-- state, desk and place; else (or when it has no room) they are moved, as
-- checked in, keeping their check-in time, to the site the search above
-- finds for them (the wet site their building is planned for): in the new
-- site's line they come before everyone who checked in after them
-- (priority over later arrivals). Either way they take that site's
-- earliest window with room that has not ended (else any with room),
-- not their unit's later one: they are in line now, and a window hours
-- ahead on their phone would send them home. They neither move their
-- unit's booking-order cursor nor use its people in the plan's windows.
-- Calls, check-in and call times are kept. Booked tickets keep only their
-- booking. All is computed before anything is written: when a ticket has
-- no room anywhere nothing changes.
-- Every ticket moved is told of ("moved", tell in prelude.lua) once all
-- is written.
-- KEYS[1] round state hash, KEYS[2] ticket key prefix, KEYS[3] booking order
-- zset, KEYS[4] window counters hash, KEYS[5] lines zset, KEYS[6] line
-- occupancy hash, KEYS[7] site change counters hash (its "*" counts the
-- round's switches: every site's forecast is out of date), KEYS[8] the
-- compound's ticket sequence, KEYS[9] the round's persons zset (the
-- occupancy is written anew, so no site's persons are kept after it:
-- ahead_of keeps them anew where the line is long)
-- ARGV[1] now (unix ms), ARGV[2] target variant, ARGV[3] n windows, then n
-- tuples of 5: window index, site, seats, start ms, end ms; then the number
-- of groups g, then g pairs: "building|unit" (unit "" for the whole
-- building, "*" for every window naming the building, "|students" for
-- the students' period windows of the building's students; the key "*"
-- alone lists every window of the variant) and that group's windows by start,
-- comma-separated, each "index:people" (the people the window calls for
-- the group) or "index"; last, the round id.
-- The round's tickets, in booking order, are the ids from its first id to
-- the sequence whose round is this one (open.lua), or, for a round opened
-- before first ids were recorded, its booking order zset.
-- returns {} when already on the variant, else a flat list of id, old
-- window, new window, old site, what happened ("booked": a booked ticket
-- re-windowed; "kept": in line, same site; "moved": in line, sent to
-- another site) for every ticket; or an error reply
-- "NOROUND" or "NO_ROOM <ticket id>".
local state = redis.call('HMGET', KEYS[1], 'variant', 'first')
local cur, first = state[1], tonumber(state[2] or '')
if not cur then return redis.error_reply('NOROUND') end
if cur == ARGV[2] then return {} end
local now = tonumber(ARGV[1])
local n = tonumber(ARGV[3])
local win = {}
for i = 0, n - 1 do
  local b = 4 + i * 5
  local w = ARGV[b]
  win[w] = {site = ARGV[b + 1], cap = tonumber(ARGV[b + 2]), ws = ARGV[b + 3], we = ARGV[b + 4],
    used = tonumber(redis.call('HGET', KEYS[4], w .. ':booked') or '0')}
end
local sites, allw = {}, {}
for i = 0, n - 1 do
  local w = ARGV[4 + i * 5]
  sites[win[w].site] = true
  allw[#allw + 1] = w
end
table.sort(allw, function(a, b)
  if tonumber(win[a].ws) ~= tonumber(win[b].ws) then return tonumber(win[a].ws) < tonumber(win[b].ws) end
  return tonumber(a) < tonumber(b)
end)
local groups, quota = {}, {}
local gb = 4 + n * 5
for i = 0, tonumber(ARGV[gb]) - 1 do
  local key, list = ARGV[gb + 1 + i * 2], {}
  for item in string.gmatch(ARGV[gb + 2 + i * 2], '[^,]+') do
    local w, people = string.match(item, '^([^:]+):?(%d*)$')
    list[#list + 1] = w
    if people ~= '' then quota[w .. '#' .. key] = tonumber(people) end
  end
  groups[key] = list
end
local round = ARGV[#ARGV]
local ids = {}
if first then
  for id = first, tonumber(redis.call('GET', KEYS[8]) or '0') do ids[#ids + 1] = tostring(id) end
else
  ids = redis.call('ZRANGE', KEYS[3], 0, -1)
end
local moves = {}
local cursor = {} -- building|unit -> start of its last ticket's new window
local used = {} -- window#group -> people placed there for that group
-- The tickets to move, in booking order: those in a line first, then the
-- booked.
local inline_ids, booked_ids = {}, {}
for _, id in ipairs(ids) do
  local f = redis.call('HMGET', ticket_key(KEYS[2], id), 'st', 'b', 'u', 'party', 'w', 'ws', 'site', 'ci', 'r', 'hh', 'we')
  local st = f[1]
  if f[9] == round then -- else another round's ticket, in the range
    if st == 'checked_in' or st == 'called' then inline_ids[#inline_ids + 1] = {id, f}
    elseif st == 'booked' then booked_ids[#booked_ids + 1] = {id, f} end
  end
end
for _, batch in ipairs({inline_ids, booked_ids}) do
  for _, item in ipairs(batch) do
    local id, f = item[1], item[2]
    local st = f[1]
    local party, oldstart = tonumber(f[4]), tonumber(f[6])
    local ck = f[2] .. '|' .. f[3]
    local ukey = f[2] .. '|' .. f[3]
    if not groups[ukey] then ukey = f[2] .. '|' end
    -- A household's students (their household key ends "|students",
    -- book.lua) take their building's students' period windows, in an
    -- order of their own.
    if f[10] and string.sub(f[10], -9) == '|students' then
      ukey = f[2] .. '||students'
      ck = ukey
    end
    local inline = st == 'checked_in' or st == 'called'
    local floor = cursor[ck] or 0
    if inline then floor = 0 end -- out of the booking order: they are at a site
    local pick = nil
    local own = groups[ukey] or {}
    local lists = {own, groups[f[2] .. '|*'] or {}, groups['*'] or {}}
    local function room(w)
      local x = win[w]
      return x and tonumber(x.we) > now and x.used + party <= x.cap
    end
    -- 0: in line at a site the new variant keeps: a window of that site
    if inline and sites[f[7]] then
      for pass = 1, 2 do
        for _, w in ipairs(allw) do
          local x = win[w]
          if not pick and x.site == f[7] and x.used + party <= x.cap and (pass == 2 or tonumber(x.we) > now) then pick = w end
        end
      end
    end
    -- 1a: the same window (site, start and end) in the new variant, when
    -- it calls its unit and has room: a variant that keeps the window
    -- keeps the ticket's time, printed on its card (a switch to an
    -- identical plan moves no one)
    for _, w in ipairs(pick and {} or own) do
      local x = win[w]
      if x.site == f[7] and x.ws == f[6] and x.we == f[11] and room(w) and tonumber(x.ws) >= floor then
        pick = w break
      end
    end
    -- 1: its unit's windows, within the people the plan calls there
    local second = nil
    for _, w in ipairs(pick and {} or own) do
      local q = quota[w .. '#' .. ukey]
      if room(w) and q and (used[w .. '#' .. ukey] or 0) + party <= q and tonumber(win[w].ws) >= floor then
        pick = w break
      end
    end
    pick = pick or second
    -- 2: in order, its unit's, its building's, any window; 3: any order
    for pass = 1, 2 do
      if pick then break end
      for _, list in ipairs(lists) do
        second = nil
        for _, w in ipairs(list) do
          if room(w) then
            if pass == 2 then pick = w break end
            local ws = tonumber(win[w].ws)
            if ws >= floor and tonumber(win[w].we) > oldstart then pick = w break end
            if ws >= floor then second = second or w end
          end
        end
        pick = pick or second
        if pick then break end
      end
    end
    if not pick then return redis.error_reply('NO_ROOM ' .. id) end
    if inline then
      -- In line: the earliest window of the site found that has room and
      -- has not ended, as the site's line is now.
      local to = win[pick].site
      for _, w in ipairs(allw) do
        local x = win[w]
        if x.site == to and tonumber(x.we) > now and x.used + party <= x.cap then pick = w break end
      end
    else
      used[pick .. '#' .. ukey] = (used[pick .. '#' .. ukey] or 0) + party
      if tonumber(win[pick].ws) > floor then cursor[ck] = tonumber(win[pick].ws) end
    end
    win[pick].used = win[pick].used + party
    local what = 'booked'
    if inline then what = (win[pick].site == f[7]) and 'kept' or 'moved' end
    moves[#moves + 1] = {id, f[5], pick, party, st, f[7], f[8], what}
  end
end
local out, delta, din = {}, {}, {}
redis.call('DEL', KEYS[6])
for _, m in ipairs(moves) do
  local id, old, new, party, st, osite, ci, what = m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]
  local x = win[new]
  delta[old] = (delta[old] or 0) - party
  delta[new] = (delta[new] or 0) + party
  local tk = ticket_key(KEYS[2], id)
  redis.call('HSET', tk, 'v', ARGV[2], 'w', new, 'site', x.site, 'ws', x.ws, 'we', x.we)
  if what ~= 'booked' then
    din[old] = (din[old] or 0) - party
    din[new] = (din[new] or 0) + party
    redis.call('HINCRBY', KEYS[6], x.site, party)
  end
  if what == 'moved' then
    if st == 'checked_in' then redis.call('ZREM', KEYS[5], line_member(osite, ci, id, party)) end
    redis.call('ZADD', KEYS[5], 0, line_member(x.site, ci, id, party))
    redis.call('HSET', tk, 'st', 'checked_in')
    redis.call('HDEL', tk, 'rc')
  end
  out[#out + 1] = id
  out[#out + 1] = old
  out[#out + 1] = new
  out[#out + 1] = osite
  out[#out + 1] = what
end
for w, d in pairs(delta) do
  if d ~= 0 then redis.call('HINCRBY', KEYS[4], w .. ':booked', d) end
end
redis.call('HINCRBY', KEYS[4], 'freed', 1) -- book.lua's cursors may pass over the seats given back
for w, d in pairs(din) do
  if d ~= 0 then redis.call('HINCRBY', KEYS[4], w .. ':in', d) end
end
redis.call('HSET', KEYS[1], 'variant', ARGV[2], 'switched', ARGV[1])
redis.call('HINCRBY', KEYS[7], '*', 1)
for _, m in ipairs(moves) do tell(KEYS[2], KEYS[6], KEYS[5], KEYS[9], 'moved', m[1], ARGV[1]) end
return out
