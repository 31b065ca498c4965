-- Cache.getOrSet, on a miss: reads the entry, or claims the right to compute it.
--
-- KEYS[1]  the entry (a string)
-- KEYS[2]  the entry's "computing" marker (a string holding the computing caller's token)
-- KEYS[3]  the entry's wake-up list (waiters block on it; the winner pushes to it)
-- ARGV[1]  the caller's random token
-- ARGV[2]  the marker's lifetime in milliseconds
--
-- Reply: {1, value}  the entry exists: its stored value
--        {0}         the marker was free and is now the caller's: compute, then cache-store
--        {2, pttl}   another caller holds the marker: its milliseconds left (-1 = no expiry)
local value = redis.call('GET', KEYS[1])
if value then
  return {1, value}
end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
  -- A wake-up left by an earlier round would make the new waiters return at once.
  redis.call('DEL', KEYS[3])
  return {0}
end
return {2, redis.call('PTTL', KEYS[2])}
