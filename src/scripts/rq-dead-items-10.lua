-- ReliableQueue: the dead letters. Runs the sweep (so a delivery whose last attempt expired is
-- among them), then lists them, oldest first.
--
-- KEYS, ARGV[1], ARGV[2]: see includes/queue-state.lua
-- ARGV[3]  how many at most (0: all)
--
-- Reply: {id, payload, attempts, error, died, id, ...}: error false when none was recorded;
-- died in ms (server clock)
-- @include queue-state
sweep(now_ms())
local limit = tonumber(ARGV[3])
local dead = redis.call('ZRANGE', KEYS[7], 0, limit > 0 and limit - 1 or -1, 'WITHSCORES')
local out = {}
for i = 1, #dead, 2 do
  local id = dead[i]
  out[#out + 1] = id
  out[#out + 1] = redis.call('HGET', KEYS[4], id)
  out[#out + 1] = tonumber(redis.call('HGET', KEYS[5], id) or '0')
  out[#out + 1] = redis.call('HGET', KEYS[6], id)
  out[#out + 1] = tonumber(dead[i + 1])
end
return out
