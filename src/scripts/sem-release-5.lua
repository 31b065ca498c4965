-- Semaphore: release. After the sweep, removes the lease's units from the holders if it still
-- holds (compare-and-delete: its member carries its own token), which gives its permits back;
-- then, when permits came back and the queue exists, drops the waiters that stopped trying and
-- wakes the queue's head when it fits now.
-- Uncontended: TIME, ZREMRANGEBYSCORE, ZREM, EXISTS.
--
-- KEYS, ARGV[1], ARGV[2]: see includes/sem-state.lua
-- ARGV[3]  the lease's member, 'weight:token'
--
-- Reply: 1 released; 0 the lease no longer held (released already, or expired and swept)
-- @include sem-state
local released
if string.sub(ARGV[3], 1, 2) == '1:' then
  released = redis.call('ZREM', KEYS[1], ARGV[3])
else
  released = on_units('ZREM', nil, ARGV[3], weight_of(ARGV[3]), nil)
end
if (released > 0 or swept > 0) and redis.call('EXISTS', KEYS[2]) == 1 then
  drop_gone()
  wake(redis.call('ZRANGE', KEYS[2], 0, 0)[1], redis.call('ZCARD', KEYS[1]))
end
if released > 0 then
  return 1
end
return 0
