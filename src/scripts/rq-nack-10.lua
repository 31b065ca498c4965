-- ReliableQueue: nack. Ends a delivery that failed (or is handed back unfinished), if it still
-- holds the message: back to the queue (after a delay), or to the dead letters when that was
-- the last attempt allowed (or when told so).
--
-- KEYS, ARGV[1], ARGV[2]: see includes/queue-state.lua
-- ARGV[3]  the message id
-- ARGV[4]  the delivery's receipt
-- ARGV[5]  delay in ms before it is delivered again (0: at once)
-- ARGV[6]  the error to record ('' : none, the previous one is kept)
-- ARGV[7]  'retry' (a failed attempt), 'dead' (straight to the dead letters), or 'release'
--          (handed back unfinished: first in line, and the attempt does not count)
--
-- Reply: 0 the delivery no longer holds the message (nothing is changed); 1 back to the queue
-- (ready, or delayed); 2 moved to the dead letters
-- @include queue-state
local id = ARGV[3]
if redis.call('ZREM', KEYS[3], ARGV[4] .. ':' .. id) == 0 then
  return 0
end
local now = now_ms()
if ARGV[6] ~= '' then
  redis.call('HSET', KEYS[6], id, ARGV[6])
end
local mode = ARGV[7]
if mode == 'release' then
  redis.call('HINCRBY', KEYS[5], id, -1)
  redis.call('RPUSH', KEYS[1], id)
  wake()
  return 1
end
local n = tonumber(redis.call('HGET', KEYS[5], id) or '0')
if mode == 'dead' or (MAX_ATTEMPTS > 0 and n >= MAX_ATTEMPTS) then
  bury(id, now)
  return 2
end
local delay = tonumber(ARGV[5])
if delay > 0 then
  redis.call('ZADD', KEYS[2], due(now, delay), id)
else
  redis.call('LPUSH', KEYS[1], id)
end
wake()
return 1
