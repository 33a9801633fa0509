-- open.lua: open (or re-open) a testing round for a compound; idempotent,
-- so every instance loading the same plan may run it.
-- KEYS[1] rounds zset, KEYS[2] round state hash
-- ARGV[1] round id (plan date), ARGV[2] round score (unix day), ARGV[3] first
-- variant ("dry" unless the plan has only "wet"), ARGV[4] now (unix ms)
-- returns the round's active variant
redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1])
redis.call('HSETNX', KEYS[2], 'variant', ARGV[3])
redis.call('HSETNX', KEYS[2], 'opened', ARGV[4])
return redis.call('HGET', KEYS[2], 'variant')
