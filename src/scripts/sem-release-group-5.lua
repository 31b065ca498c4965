-- Semaphore: several releases on one semaphore in one step, in order, each with the result it
-- would have had as a call of sem-release-5.lua of its own. The transport sends the calls of
-- sem-release-5.lua issued together for the same keys as one call of this script
-- (core/grouped-calls.ts). They share the clock, the sweep and the waking of the queue's head,
-- done once after the last release with the permits then free (a waiter woken by any of the
-- releases is woken by the last; its wake-up list keeps one token either way).
-- Uncontended: TIME, ZREMRANGEBYSCORE, one ZREM per lease, EXISTS; from 32 permits on, ZCOUNT
-- too (and DEL after the last lease).
--
-- KEYS, ARGV[1], ARGV[2]: see includes/sem-state.lua
-- ARGV[3]  n: how many releases
-- ARGV[3 + i]  release i: the lease's member, 'weight:token'
--
-- Reply: per release, in order, 1 released or 0 no longer held (see sem-release-5.lua), or the
-- error it met (that release's only).
-- @include sem-state
-- @include sem-release
local out, released = {}, 0
for i = 1, tonumber(ARGV[3]) do
  local ok, units = pcall(release, ARGV[3 + i])
  if not ok then
    out[i] = as_error(units)
  elseif units > 0 then
    out[i], released = 1, released + units
  else
    out[i] = 0
  end
end
wake_after(released)
return out
