-- Cache.getOrSet, after computing: stores the value, frees the marker if it is still the
-- caller's, and wakes the waiters.
--
-- KEYS[1]  the entry
-- KEYS[2]  the entry's "computing" marker
-- KEYS[3]  the entry's wake-up list
-- ARGV[1]  the caller's token
-- ARGV[2]  the encoded value
-- ARGV[3]  the entry's time to live in milliseconds, or '' for none
-- ARGV[4]  how long the wake-up stays, in milliseconds
--
-- Reply: 1 when the marker was the caller's (and is deleted), 0 when it had expired or another
--        caller holds it now (left alone).
if ARGV[3] == '' then
  redis.call('SET', KEYS[1], ARGV[2])
else
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
local mine = 0
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('DEL', KEYS[2])
  mine = 1
end
-- One element: every waiter blocked on the list moves it onto itself, so all of them wake.
redis.call('DEL', KEYS[3])
redis.call('RPUSH', KEYS[3], '1')
redis.call('PEXPIRE', KEYS[3], ARGV[4])
return mine
