-- Semaphore: release. After the sweep, removes the lease's units from the holders if it still
-- holds (compare-and-delete: its member carries its own token), which gives its permits back;
-- then, when permits came back: deletes the holders if only the mark is left, and, when the
-- queue exists, drops the waiters that stopped trying and wakes the queue's head when it fits
-- now (includes/sem-release.lua).
-- Uncontended: TIME, ZREMRANGEBYSCORE, ZREM, EXISTS; from 32 permits on, ZCOUNT too (and DEL
-- after the last lease).
--
-- KEYS, ARGV[1], ARGV[2]: see includes/sem-state.lua
-- ARGV[3]  the lease's member, 'weight:token'
--
-- Reply: 1 released; 0 the lease no longer held (released already, or expired and swept)
-- @include sem-state
-- @include sem-release
local released = release(ARGV[3])
wake_after(released)
if released > 0 then
  return 1
end
return 0
