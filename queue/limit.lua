-- limit.lua: reserve a place for one new household in a client address's
-- booking budget; a household that has its ticket already is a repeat and
-- costs nothing.
-- KEYS[1] round's household index hash, KEYS[2] the address's counter for
-- the current budget window (the window's start is in the key name, so the
-- count never depends on the key's expiry, which only tidies up)
-- ARGV[1] household key "building|unit|room", ARGV[2] budget (households),
-- ARGV[3] the counter's lifetime (ms)
-- returns 0 for a repeat, 1 when a place was reserved (to be given back
-- with unlimit.lua if no new ticket comes of it), or an error reply
-- "LIMITED" when the budget is spent.
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
local n = redis.call('INCR', KEYS[2])
if n == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
if n > tonumber(ARGV[2]) then
  redis.call('DECR', KEYS[2])
  return redis.error_reply('LIMITED')
end
return 1
