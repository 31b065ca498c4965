-- ReliableQueue: pop. Runs the sweep, then takes up to ARGV[4] ready messages, oldest first:
-- each is delivered with its attempt counted, a new receipt, and a visibility deadline of
-- now + ARGV[3] ms (server clock) in the in-flight set. When it took some and more are ready,
-- it wakes another waiting consumer (so a burst wakes them one after another).
--
-- KEYS, ARGV[1], ARGV[2]: see includes/queue-state.lua
-- ARGV[3]  visibility, ms
-- ARGV[4]  how many messages at most
-- ARGV[5]  '0', or (when the caller blocks if nothing is ready) how long in ms the "a consumer
--          waits" flag lives: set in the same step as the empty pop, so a push right after it
--          leaves a wake-up token for this caller
--
-- Reply: {wait, id, payload, attempt, receipt, id, payload, attempt, receipt, ...}
--   wait = 0 when messages were taken; else ms until the next delayed message is due or the
--   next delivery's visibility ends, whichever is first (-1: neither exists)
-- @include queue-state
local now = now_ms()
sweep(now)
local visibility = tonumber(ARGV[3])
local out = { 0 }
local taken = 0
while taken < tonumber(ARGV[4]) do
  local id = redis.call('RPOP', KEYS[1])
  if not id then
    break
  end
  local payload = redis.call('HGET', KEYS[4], id)
  if payload then
    local attempt = redis.call('HINCRBY', KEYS[5], id, 1)
    local receipt = redis.call('INCR', KEYS[10])
    redis.call('ZADD', KEYS[3], int(now + visibility), receipt .. ':' .. id)
    out[#out + 1] = id
    out[#out + 1] = payload
    out[#out + 1] = attempt
    out[#out + 1] = receipt
    taken = taken + 1
  end
end
if taken > 0 then
  if redis.call('LLEN', KEYS[1]) > 0 then
    wake()
  end
  return out
end
local wait = -1
for _, set in ipairs({ KEYS[2], KEYS[3] }) do
  local first = redis.call('ZRANGE', set, 0, 0, 'WITHSCORES')
  if first[2] then
    local left = math.max(1, tonumber(first[2]) - now)
    if wait < 0 or left < wait then
      wait = left
    end
  end
end
if ARGV[5] ~= '0' then
  redis.call('SET', KEYS[9], '1', 'PX', ARGV[5])
end
out[1] = wait
return out
