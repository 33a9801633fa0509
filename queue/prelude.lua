-- prelude.lua: shared by every script, prepended to each when it is
-- loaded (see doc.go), so that the line's member format and the ticket
-- checks are written once.
--
-- line_member(site, checkin ms, id): a site's line is one zset of
-- "site|checkin ms|id", zero-padded, all scored 0, so a lexical range is
-- one site's line in check-in order.
local function line_member(site, ms, id)
  return string.format('%s|%015d|%012d', site, tonumber(ms), tonumber(id))
end
-- line_id is the ticket id of a line member.
local function line_id(m)
  return tostring(tonumber(string.sub(m, -12)))
end
-- ticket_fields reads fields of ticket id from the tickets hash tk, keyed
-- by field name.
local function ticket_fields(tk, id, names)
  local ks = {}
  for i, n in ipairs(names) do ks[i] = id .. ':' .. n end
  local vs = redis.call('HMGET', tk, unpack(ks))
  local f = {}
  for i, n in ipairs(names) do f[n] = vs[i] or nil end
  return f
end
-- live_ticket reads a ticket of round and refuses what no staff action
-- may touch: an error reply "NOTICKET", "OLDROUND <its round>" or, with
-- finals set, "ALREADY_SAMPLED", "CANCELLED", "NO_SHOW"; else nil, fields.
local function live_ticket(tk, id, round, names, finals)
  local want = {'st', 'r'}
  for _, n in ipairs(names) do want[#want + 1] = n end
  local f = ticket_fields(tk, id, want)
  if not f.st then return redis.error_reply('NOTICKET'), nil end
  if f.r ~= round then return redis.error_reply('OLDROUND ' .. f.r), nil end
  if finals then
    if f.st == 'sampled' then return redis.error_reply('ALREADY_SAMPLED'), nil end
    if f.st == 'cancelled' then return redis.error_reply('CANCELLED'), nil end
    if f.st == 'no_show' then return redis.error_reply('NO_SHOW'), nil end
  end
  return nil, f
end
-- leave_line takes ticket id (fields f: st, site, ci) out of its site's
-- line: a checked-in ticket's member from the lines zset, and a checked-in
-- or called party from the line occupancy hash occ.
local function leave_line(lines, occ, id, f, party)
  if f.st == 'checked_in' then
    redis.call('ZREM', lines, line_member(f.site, f.ci, id))
  end
  if f.st == 'checked_in' or f.st == 'called' then
    redis.call('HINCRBY', occ, f.site, -party)
  end
end
-- ticket_names are the ticket's fields an event carries, in the order of
-- ticketFields (service.go; a test holds the two equal).
local ticket_names = {'st', 'r', 'b', 'u', 'room', 'party', 'origin', 'v', 'w', 'site', 'ws', 'we',
  'ci', 'sa', 'calls', 'tube', 'at', 'called', 'desk', 'ver'}
-- ticket_values reads ticket id's ticket_names fields, in that order
-- (false for a field not set).
local function ticket_values(tk, id)
  local ks = {}
  for i, n in ipairs(ticket_names) do ks[i] = id .. ':' .. n end
  return redis.call('HMGET', tk, unpack(ks))
end
-- raw_event is the compact event a script publishes, a JSON array:
-- ["natq1", compound, type, ticket id, people in the site's line, at (unix ms, a string),
-- [the ticket's ticket_names values]]; the ticket's version is its "ver"
-- value. Each instance's hub expands it into the Event its listeners get
-- (events.go), signing the ticket's token there.
local function raw_event(compound, typ, id, inline, at, vals)
  return cjson.encode({'natq1', compound, typ, id, inline, at, vals})
end
