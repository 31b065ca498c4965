-- Cache.getOrSet, when computing failed: frees the marker if it is still the caller's and wakes
-- the waiters, so that one of them computes without waiting for the marker to expire.
--
-- KEYS[1]  the entry's "computing" marker
-- KEYS[2]  the entry's wake-up list
-- ARGV[1]  the caller's token
-- ARGV[2]  how long the wake-up stays, in milliseconds
--
-- Reply: 1 when the marker was the caller's (deleted, waiters woken), 0 otherwise (nothing done).
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1])
redis.call('DEL', KEYS[2])
redis.call('RPUSH', KEYS[2], '1')
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1
