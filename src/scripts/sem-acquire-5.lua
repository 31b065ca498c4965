-- Semaphore: acquire. After the sweep (and, when the queue exists, the drop of the waiters that
-- stopped trying), grants `weight` permits when they fit (held units + weight <= permits) and
-- the caller may go first: nobody waits, or the caller's ticket heads the queue (so a caller
-- that does not wait never overtakes the waiters, and the head of the queue is never starved
-- by lighter callers behind it). A grant draws the next fencing token, adds the lease's units
-- to the holders (their deadline: now + ttl, server clock), and, when the caller headed the
-- queue, takes its ticket off and wakes the next head if it fits too (a release of several
-- permits serves a chain of waiters, one after the other). Otherwise a waiting caller is queued
-- (once: its arrival number is kept) and its deadline in `alive` refreshed, and the head is
-- woken if it fits.
-- Uncontended grant: TIME, ZREMRANGEBYSCORE, EXISTS, ZCARD, INCR, ZADD, PEXPIRE.
--
-- KEYS, ARGV[1], ARGV[2]: see includes/sem-state.lua
-- ARGV[3]  the new lease's member, 'weight:token' (a new token per attempt)
-- ARGV[4]  weight: a positive integer, at most the permits
-- ARGV[5]  the lease's time to live, ms
-- ARGV[6]  '0' (a caller that does not wait: never queued), or how long, in ms, a queued
--          waiter stays in the queue without trying again (its attempts refresh it)
-- ARGV[7]  the caller's queue member, 'weight:ticket' (one ticket per waiting call), or ''
--
-- Reply: {1, fence}  granted; fence is the new fencing token (strictly increasing per key)
--        {0, hint}   not granted; hint = ms until the earliest lease expires (when permits may
--                    come back without a release), -1 when nobody holds any or when the caller
--                    waits behind another waiter (only the head of the queue can go next)
-- Errors: WRONGTYPE when a key it touches holds another type; an INCR error (the fencing
-- counter is not an integer) comes before any change of the holders, so a failed grant holds
-- nothing.
-- @include sem-state
local weight = tonumber(ARGV[4])
local ticket = ARGV[7]
local queued = redis.call('EXISTS', KEYS[2]) == 1
local used = redis.call('ZCARD', KEYS[1])
local head
if queued then
  drop_gone()
  head = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
end
if (not head or head == ticket) and used + weight <= PERMITS then
  local fence = redis.call('INCR', KEYS[5])
  local ttl = tonumber(ARGV[5])
  if weight == 1 then
    redis.call('ZADD', KEYS[1], now + ttl, ARGV[3])
  else
    on_units('ZADD', nil, ARGV[3], weight, now + ttl)
  end
  if used == 0 then
    redis.call('PEXPIRE', KEYS[1], ttl + MARGIN) -- a new key: no expiry yet
  else
    stretch_holders(ttl + MARGIN)
  end
  if head then
    redis.call('ZREM', KEYS[2], ticket)
    redis.call('ZREM', KEYS[3], ticket)
    redis.call('DEL', ARGV[2] .. string.sub(ticket, string.find(ticket, ':', 1, true) + 1))
    wake(redis.call('ZRANGE', KEYS[2], 0, 0)[1], used + weight)
  end
  return { 1, fence }
end
local patience = tonumber(ARGV[6])
if patience > 0 and ticket ~= '' then
  if not head or (head ~= ticket and not redis.call('ZSCORE', KEYS[2], ticket)) then
    local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')[2]
    redis.call('ZADD', KEYS[2], (last or 0) + 1, ticket)
    head = head or ticket
  end
  redis.call('ZADD', KEYS[3], now + patience, ticket)
  local ms = redis.call('ZRANGE', KEYS[3], -1, -1, 'WITHSCORES')[2] - now + MARGIN
  redis.call('PEXPIRE', KEYS[2], ms)
  redis.call('PEXPIRE', KEYS[3], ms)
end
if head ~= ticket then
  wake(head, used)
end
-- Only the head can be granted next: a waiter behind it has no expiry to watch for.
if ticket ~= '' and head ~= ticket then
  return { 0, -1 }
end
local earliest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]
if not earliest then
  return { 0, -1 }
end
return { 0, earliest - now }
