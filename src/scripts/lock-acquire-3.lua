-- Lock: acquire. Sets the lock key to a new owner token unless it exists (SET NX PX), and on
-- success draws the next fencing token from the lock's counter (INCR), in one atomic step.
--
-- KEYS[1]  the lock key: a string holding the owner token ('' when the Python redisext lock set it)
-- KEYS[2]  the fencing counter: an integer string that never expires
-- KEYS[3]  the "someone waits" flag read by the release script
-- ARGV[1]  the new owner token (never '')
-- ARGV[2]  time to live, milliseconds
-- ARGV[3]  the token this Lock instance already holds, or '' when it holds none
-- ARGV[4]  '0', or (when the caller will wait for a release) how long, in ms, the "someone
--          waits" flag lives: set in the same step as the failed attempt, so no release
--          between this attempt and the caller's wait can miss the waiter
--
-- Reply: fence       acquired; fence is the new fencing token (strictly increasing per key, >= 1;
--                    an integer, not an array: the server encodes an array at about 5k
--                    instructions, a tenth of this script's call, counted with callgrind)
--        {2, pttl}   not acquired: ARGV[3] already holds the lock (no re-entrancy)
--        {0, pttl}   not acquired: another owner holds it; pttl = ms left, -1 = no expiry
-- Errors: WRONGTYPE when the lock key is not a string; an INCR error (fencing counter not an
-- integer) undoes the SET, so a failed acquire never leaves the lock held.
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local fence = redis.pcall('INCR', KEYS[2])
  if type(fence) == 'table' and fence.err then
    redis.call('DEL', KEYS[1])
    return fence
  end
  return fence
end
if ARGV[4] ~= '0' then
  redis.call('SET', KEYS[3], '1', 'PX', ARGV[4])
end
local holder = redis.call('GET', KEYS[1])
local pttl = redis.call('PTTL', KEYS[1])
if ARGV[3] ~= '' and holder == ARGV[3] then
  return {2, pttl}
end
return {0, pttl}
