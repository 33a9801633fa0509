-- open.lua: open (or re-open) a testing round for a compound; idempotent,
-- so every instance loading the same plan may run it. A round stays bound
-- to the schedule it was opened with: tickets name windows by their index
-- in it, so another plan for the same compound and day is refused.
-- KEYS[1] rounds zset, KEYS[2] round state hash
-- ARGV[1] round id (plan date), ARGV[2] round score (unix day), ARGV[3] first
-- variant ("dry" unless the plan has only "wet"), ARGV[4] now (unix ms),
-- ARGV[5] the schedule's fingerprint
-- returns the round's active variant, or an error reply "OTHERPLAN <the
-- fingerprint the round was opened with>".
redis.call('HSETNX', KEYS[2], 'plan', ARGV[5])
local fp = redis.call('HGET', KEYS[2], 'plan')
if fp ~= ARGV[5] then return redis.error_reply('OTHERPLAN ' .. fp) end
redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1])
redis.call('HSETNX', KEYS[2], 'variant', ARGV[3])
redis.call('HSETNX', KEYS[2], 'opened', ARGV[4])
return redis.call('HGET', KEYS[2], 'variant')
