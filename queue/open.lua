-- open.lua: open (or re-open) a testing round for a compound; idempotent,
-- so every instance loading the same plan may run it. A round stays bound
-- to the schedule it was opened with: tickets name windows by their index
-- in it, so another plan for the same compound and day is refused. A new
-- round gets the windows a booking may take (book.lua) from the moment it
-- opens, and is marked with the ticket layout it keeps (a hash per
-- ticket); a round opened by an older natq, which kept every ticket in
-- one hash, is refused.
-- A new round's window counters hash gets a field "~" whose value is
-- longer than hash-max-listpack-value (64 bytes by default), so that Redis
-- keeps it a hash table from the start: as a listpack (every round's, with
-- a few hundred counters) each booking's HGET and HINCRBY of its window
-- scanned it field by field (HINCRBY 1.9 µs, 0.2 as a table).
-- A new round also records in its state the first ticket id it can give,
-- "first" (the compound's ticket sequence + 1): its tickets are then the
-- ids from first to the sequence whose round field names it, in booking
-- order, with no list of them kept on each booking (book.lua). A round
-- opened before "first" was recorded keeps its booking order zset.
-- KEYS[1] rounds zset, KEYS[2] round state hash, KEYS[3] round's booking
-- windows hash, KEYS[4] round's window counters hash, KEYS[5] the
-- compound's ticket sequence
-- ARGV[1] round id (plan date), ARGV[2] round score (unix day), ARGV[3] first
-- variant ("dry" unless the plan has only "wet"), ARGV[4] now (unix ms),
-- ARGV[5] the schedule's fingerprint, ARGV[6] the ticket secret's
-- (qr.Signer.Fingerprint), then pairs of the booking windows hash's field
-- and value (see book.lua)
-- returns the round's active variant, or an error reply "OTHERPLAN <the
-- fingerprint the round was opened with>", "OTHERSECRET" (an instance
-- signing tickets with another secret opened it: its tickets would be
-- void here, and this one's there) or "OLDLAYOUT".
local new = redis.call('HSETNX', KEYS[2], 'plan', ARGV[5]) == 1
if new then
  redis.call('HSET', KEYS[2], 'layout', '2', 'first', tonumber(redis.call('GET', KEYS[5]) or '0') + 1)
  redis.call('DEL', KEYS[3])
  redis.call('HSET', KEYS[4], '~', 'a field longer than hash-max-listpack-value: this hash is a hash table (open.lua)')
  for i = 7, #ARGV, 2 do
    redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1])
  end
end
local fp = redis.call('HGET', KEYS[2], 'plan')
if fp ~= ARGV[5] then return redis.error_reply('OTHERPLAN ' .. fp) end
-- A round opened by a natq from before the secret was recorded takes the
-- secret of the first instance that records it.
redis.call('HSETNX', KEYS[2], 'secret', ARGV[6])
if redis.call('HGET', KEYS[2], 'secret') ~= ARGV[6] then return redis.error_reply('OTHERSECRET') end
if redis.call('HGET', KEYS[2], 'layout') ~= '2' then return redis.error_reply('OLDLAYOUT') end
-- Re-opened (an instance starting, or a newer natq on a round an older
-- one opened): the same plan gives the same windows, so only the fields
-- the round lacks are added, such as the students' period's (a newer
-- natq books more kinds of household); the cursors stay as they are.
if not new then
  for i = 7, #ARGV, 2 do
    redis.call('HSETNX', KEYS[3], ARGV[i], ARGV[i + 1])
  end
end
redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1])
redis.call('HSETNX', KEYS[2], 'variant', ARGV[3])
redis.call('HSETNX', KEYS[2], 'opened', ARGV[4])
return redis.call('HGET', KEYS[2], 'variant')
