-- ReliableQueue: pop (and ack). First acks the deliveries ARGV names (a worker's finished
-- messages, removed for good when their delivery still holds them), then runs the sweep, then
-- takes up to ARGV[4] ready messages, oldest first: each is delivered with its attempt counted,
-- a new receipt, and a visibility deadline of now + ARGV[3] ms (server clock) in the in-flight
-- set. When it took some and more are ready, it wakes another waiting consumer (so a burst wakes
-- them one after another).
--
-- KEYS, ARGV[1], ARGV[2]: see includes/queue-state.lua
-- ARGV[3]  visibility, ms
-- ARGV[4]  how many messages at most (0: only the acks and the sweep)
-- ARGV[5]  '0', or (when the caller blocks if nothing is ready) how long in ms the "a consumer
--          waits" flag lives: set in the same step as the empty pop, so a push right after it
--          leaves a wake-up token for this caller
-- ARGV[6]  how many deliveries to ack first: n
-- ARGV[7], ARGV[8], ...  id, receipt of each delivery to ack (n pairs)
--
-- Reply: {wait, acked_1, ..., acked_n, id, payload, attempt, receipt, id, payload, ...}
--   wait = 0 when messages were taken; else ms until the next delayed message is due or the
--   next delivery's visibility ends, whichever is first (-1: neither exists)
--   acked_i = 1 removed, 0 that delivery no longer held the message (as rq-ack-4.lua)
-- @include queue-state
local out = { 0 }
local acks = tonumber(ARGV[6])
for i = 7, 6 + 2 * acks, 2 do
  local id = ARGV[i]
  if redis.call('ZREM', KEYS[3], ARGV[i + 1] .. ':' .. id) == 1 then
    redis.call('HDEL', KEYS[4], id)
    redis.call('HDEL', KEYS[5], id)
    redis.call('HDEL', KEYS[6], id)
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
local now = now_ms()
sweep(now)
local visibility = tonumber(ARGV[3])
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
if tonumber(ARGV[4]) == 0 then
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
