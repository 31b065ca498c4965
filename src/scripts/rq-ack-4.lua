-- ReliableQueue: ack. Removes a message for good, if the delivery acked still holds it.
--
-- KEYS[1]  inflight  sorted set: 'receipt:id' -> visibility deadline (see includes/queue-state)
-- KEYS[2]  data      hash: id -> payload
-- KEYS[3]  attempts  hash: id -> deliveries so far
-- KEYS[4]  errors    hash: id -> last error
-- ARGV[1]  the message id
-- ARGV[2]  the delivery's receipt
--
-- Reply: 1 removed; 0 the delivery no longer holds the message (its visibility ended and it
-- came back to the queue, maybe delivered again): nothing is changed.
if redis.call('ZREM', KEYS[1], ARGV[2] .. ':' .. ARGV[1]) == 0 then
  return 0
end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
return 1
