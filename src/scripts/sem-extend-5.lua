-- Semaphore: extend. After the sweep, moves the deadline of the lease's units to now + ttl
-- (server clock) if it still holds, and keeps the holders until then at least; a lease that
-- expired stays lost (its permits may be someone else's already). When the sweep gave permits
-- back and the queue exists, drops the waiters that stopped trying and wakes the head if it
-- fits now.
-- Uncontended: TIME, ZREMRANGEBYSCORE, ZSCORE, ZADD, PEXPIRE.
--
-- KEYS, ARGV[1], ARGV[2]: see includes/sem-state.lua
-- ARGV[3]  the lease's member, 'weight:token'
-- ARGV[4]  the new time to live, ms (from now)
--
-- Reply: 1 extended; 0 the lease no longer held (released, expired, or its key deleted)
-- @include sem-state
local member = ARGV[3]
local weight = 1
if string.sub(member, 1, 2) ~= '1:' then
  weight = weight_of(member)
end
local ttl = tonumber(ARGV[4])
local extended = 0
if redis.call('ZSCORE', KEYS[1], weight == 1 and member or member .. '#1') then
  if weight == 1 then
    redis.call('ZADD', KEYS[1], 'XX', string.format('%d', now + ttl), member)
  else
    on_units('ZADD', 'XX', member, weight, string.format('%d', now + ttl))
  end
  stretch_holders(ttl + MARGIN)
  extended = 1
end
if swept > 0 and redis.call('EXISTS', KEYS[2]) == 1 then
  drop_gone()
  wake(redis.call('ZRANGE', KEYS[2], 0, 0)[1], held())
end
return extended
