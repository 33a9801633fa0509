-- unlimit.lua: give back a place reserved by limit.lua when the booking
-- made no new ticket (a repeat raced it, the windows were full, the store
-- failed): failed requests do not spend the budget.
-- KEYS[1] the address's counter
-- returns the count left, or -1 when the counter is gone.
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
return redis.call('DECR', KEYS[1])
