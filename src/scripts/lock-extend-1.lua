-- Lock: extend. Resets the time to live of the lock key only when it still holds the caller's
-- owner token (compare-and-PEXPIRE).
--
-- KEYS[1]  the lock key
-- ARGV[1]  the owner token (never '')
-- ARGV[2]  the new time to live, milliseconds (from now)
--
-- Reply: 1 extended; 0 not the owner (expired, released, or taken over)
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
