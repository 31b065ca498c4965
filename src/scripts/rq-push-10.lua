-- ReliableQueue: push. Adds messages whose id the queue does not hold yet (idempotent: a
-- message exists from its push until its ack, in the dead letters too), ready at once or
-- delayed, and wakes a waiting consumer. Runs the sweep first.
--
-- KEYS, ARGV[1], ARGV[2]: see includes/queue-state.lua
-- ARGV[3]  delay in ms (0: ready at once)
-- ARGV[4], ARGV[5], ...  id, payload of each message, in push order
--
-- Reply: one integer per message: 1 added, 0 not added (a message with that id exists)
-- @include queue-state
local now = now_ms()
sweep(now)
local delay = tonumber(ARGV[3])
local added = {}
for i = 4, #ARGV, 2 do
  local id = ARGV[i]
  if redis.call('HSETNX', KEYS[4], id, ARGV[i + 1]) == 1 then
    if delay > 0 then
      redis.call('ZADD', KEYS[2], due(now, delay), id)
    else
      redis.call('LPUSH', KEYS[1], id)
    end
    added[#added + 1] = 1
  else
    added[#added + 1] = 0
  end
end
wake()
return added
