-- Semaphore: stats. Runs the sweep (expired leases give their permits back; when the queue
-- exists, waiters that stopped trying leave and the head is woken if that lets it in), then
-- counts. Counting the leases reads every unit of the holders: O(n), fine off the hot path.
--
-- KEYS, ARGV[1], ARGV[2]: see includes/sem-state.lua
--
-- Reply: {used, holders, waiters}: the weight held (units), how many leases hold it, how many
-- callers wait in the queue
-- @include sem-state
-- Every member but the mark (the one scored +inf).
local units = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(+inf')
local holders = 0
for i = 1, #units do
  -- A lease of weight 1 is one member without '#'; a heavier one counts at its unit '#1'.
  local hash = string.find(units[i], '#', 1, true)
  if not hash or string.sub(units[i], hash + 1) == '1' then
    holders = holders + 1
  end
end
local waiters = 0
if redis.call('EXISTS', KEYS[2]) == 1 then
  drop_gone()
  wake(redis.call('ZRANGE', KEYS[2], 0, 0)[1], #units)
  waiters = redis.call('ZCARD', KEYS[2])
end
return { #units, holders, waiters }
