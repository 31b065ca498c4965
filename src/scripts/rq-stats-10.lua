-- ReliableQueue: stats. Runs the sweep, then counts the messages in each state.
--
-- KEYS, ARGV[1], ARGV[2]: see includes/queue-state.lua
--
-- Reply: {waiting, delayed, inflight, dead}
-- @include queue-state
sweep(now_ms())
return {
  redis.call('LLEN', KEYS[1]),
  redis.call('ZCARD', KEYS[2]),
  redis.call('ZCARD', KEYS[3]),
  redis.call('ZCARD', KEYS[7]),
}
