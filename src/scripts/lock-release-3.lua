-- Lock: release. Deletes the lock key only when it still holds the caller's owner token
-- (compare-and-delete); then, when someone waits (the flag a waiting acquire sets), leaves one
-- wake-up token on the wake-up list for a waiter blocked on it (BLPOP). The list is trimmed to
-- one element and expires, so it never grows or lingers. Uncontended releases skip the list.
--
-- KEYS[1]  the lock key
-- KEYS[2]  the wake-up list
-- KEYS[3]  the "someone waits" flag (set by lock-acquire.lua for callers that wait)
-- ARGV[1]  the owner token (never '': an empty token must not match a Python-held lock)
-- ARGV[2]  time to live of the wake-up list, milliseconds
--
-- Reply: 1 released; 0 not the owner (never acquired, released already, expired, or taken over)
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  if redis.call('EXISTS', KEYS[3]) == 1 then
    redis.call('LPUSH', KEYS[2], '1')
    redis.call('LTRIM', KEYS[2], 0, 0)
    redis.call('PEXPIRE', KEYS[2], ARGV[2])
  end
  return 1
end
return 0
