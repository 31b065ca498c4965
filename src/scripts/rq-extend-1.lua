-- ReliableQueue: extend. Moves a delivery's visibility deadline to now + ARGV[3] ms (server
-- clock), if the delivery still holds the message.
--
-- KEYS[1]  inflight  sorted set: 'receipt:id' -> visibility deadline (see includes/queue-state)
-- ARGV[1]  the message id
-- ARGV[2]  the delivery's receipt
-- ARGV[3]  the new visibility, ms from now
--
-- Reply: 1 extended; 0 the delivery no longer holds the message (nothing is changed)
local member = ARGV[2] .. ':' .. ARGV[1]
if not redis.call('ZSCORE', KEYS[1], member) then
  return 0
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], string.format('%d', now + tonumber(ARGV[3])), member)
return 1
