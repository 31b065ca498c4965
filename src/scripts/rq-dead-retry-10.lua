-- ReliableQueue: retry dead letters. Moves them back to the queue with fresh attempts (their
-- count and last error cleared), and wakes a waiting consumer.
--
-- KEYS, ARGV[1], ARGV[2]: see includes/queue-state.lua
-- ARGV[3], ...  the ids to retry; none: every dead letter
--
-- Reply: how many moved back (ids that are not dead letters are skipped)
-- @include queue-state
local ids = dead_ids()
for i = 1, #ids, 1000 do
  local chunk = { unpack(ids, i, math.min(i + 999, #ids)) }
  redis.call('ZREM', KEYS[7], unpack(chunk))
  redis.call('HDEL', KEYS[5], unpack(chunk))
  redis.call('HDEL', KEYS[6], unpack(chunk))
  redis.call('LPUSH', KEYS[1], unpack(chunk))
end
if #ids > 0 then
  wake()
end
return #ids
