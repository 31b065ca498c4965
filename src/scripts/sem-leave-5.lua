-- Semaphore: leave. A waiter gives up (its wait ran out, or it was aborted): after the sweep,
-- its ticket leaves the queue and its wake-up list is deleted; when the queue still exists,
-- the waiters that stopped trying are dropped and the next head is woken when it fits (it may
-- have been stuck behind the leaver).
--
-- KEYS, ARGV[1], ARGV[2]: see includes/sem-state.lua
-- ARGV[3]  the waiter's queue member, 'weight:ticket'
--
-- Reply: 1 it was queued; 0 it was not (never queued, or dropped for not trying again in time)
-- @include sem-state
local left = redis.call('ZREM', KEYS[2], ARGV[3])
redis.call('ZREM', KEYS[3], ARGV[3])
redis.call('DEL', ARGV[2] .. string.sub(ARGV[3], string.find(ARGV[3], ':', 1, true) + 1))
if redis.call('EXISTS', KEYS[2]) == 1 then
  drop_gone()
  wake(redis.call('ZRANGE', KEYS[2], 0, 0)[1], held())
end
return left
