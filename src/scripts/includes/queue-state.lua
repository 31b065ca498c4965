-- Shared by the ReliableQueue scripts named rq-*-10 (inlined where they say `@include`).
--
-- Their KEYS, all in one hash tag (one cluster slot):
--   KEYS[1]  ready     list of ids ready for delivery: pushed at the head, taken at the tail
--   KEYS[2]  delayed   sorted set: id -> when it is due (ms, server clock)
--   KEYS[3]  inflight  sorted set: 'receipt:id' -> when the delivery's visibility ends (ms)
--   KEYS[4]  data      hash: id -> payload, for as long as the message exists (dead ones too)
--   KEYS[5]  attempts  hash: id -> deliveries so far (absent: none)
--   KEYS[6]  errors    hash: id -> the last error a delivery of it failed with
--   KEYS[7]  dead      sorted set: id -> when it moved to the dead letters (ms)
--   KEYS[8]  wake      list of wake-up tokens for consumers blocked on it (BLPOP)
--   KEYS[9]  waiting   the "a consumer waits" flag: a string with a time to live
--   KEYS[10] seq       the counter delivery receipts are drawn from
-- Their first two ARGV:
--   ARGV[1]  attempts allowed per message (0: no limit)
--   ARGV[2]  how many dead letters are kept, the oldest dropped first (-1: no limit)
local MAX_ATTEMPTS = tonumber(ARGV[1])
local DEAD_LIMIT = tonumber(ARGV[2])
-- At most this many delayed messages, and as many expired deliveries, are moved per run.
local SWEEP = 100

-- The server's clock in ms.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- A time or a duration as an integer argument (tostring would write 1.7e+12).
local function int(x)
  return string.format('%d', x)
end

-- When a message delayed by `delay` ms from `now` is due: 1 ms later than the sum, since `now`
-- dropped the microseconds of TIME (so it is never delivered before its whole delay).
local function due(now, delay)
  return int(now + delay + 1)
end

-- Removes every trace of the messages `ids` (at most a few thousand per call).
local function forget(ids)
  for i = 1, #ids, 1000 do
    local chunk = { unpack(ids, i, math.min(i + 999, #ids)) }
    redis.call('HDEL', KEYS[4], unpack(chunk))
    redis.call('HDEL', KEYS[5], unpack(chunk))
    redis.call('HDEL', KEYS[6], unpack(chunk))
  end
end

-- Moves message `id` (in no other structure) to the dead letters, dropping the oldest ones
-- beyond the limit.
local function bury(id, now)
  redis.call('ZADD', KEYS[7], int(now), id)
  if DEAD_LIMIT >= 0 then
    local over = redis.call('ZCARD', KEYS[7]) - DEAD_LIMIT
    if over > 0 then
      local old = redis.call('ZRANGE', KEYS[7], 0, over - 1)
      redis.call('ZREMRANGEBYRANK', KEYS[7], 0, over - 1)
      forget(old)
    end
  end
end

-- Leaves one wake-up token when a consumer waits; the tokens live as long as the flag and are
-- never more than 16 (a surplus only makes a consumer look once more).
local function wake()
  local ttl = redis.call('PTTL', KEYS[9])
  if ttl > 0 then
    redis.call('RPUSH', KEYS[8], '1')
    redis.call('LTRIM', KEYS[8], -16, -1)
    redis.call('PEXPIRE', KEYS[8], ttl)
  end
end

-- Due delayed messages become ready (in due order); expired deliveries come back first in
-- line, or go to the dead letters when that delivery was the last attempt allowed.
local function sweep(now)
  local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', int(now), 'LIMIT', 0, SWEEP)
  if #due > 0 then
    redis.call('ZREM', KEYS[2], unpack(due))
    redis.call('LPUSH', KEYS[1], unpack(due))
  end
  local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', int(now), 'LIMIT', 0, SWEEP)
  if #expired > 0 then
    redis.call('ZREM', KEYS[3], unpack(expired))
    for i = 1, #expired do
      local member = expired[i]
      local id = string.sub(member, string.find(member, ':', 1, true) + 1)
      local n = tonumber(redis.call('HGET', KEYS[5], id) or '0')
      if MAX_ATTEMPTS > 0 and n >= MAX_ATTEMPTS then
        redis.call('HSET', KEYS[6], id, 'visibility timeout expired on attempt ' .. n)
        bury(id, now)
      else
        redis.call('RPUSH', KEYS[1], id)
      end
    end
  end
end

-- The dead letters ARGV[3], ARGV[4]... names (those that are dead letters), or all of them when
-- it names none.
local function dead_ids()
  if #ARGV <= 2 then
    return redis.call('ZRANGE', KEYS[7], 0, -1)
  end
  local ids = {}
  for i = 3, #ARGV do
    if redis.call('ZSCORE', KEYS[7], ARGV[i]) then
      ids[#ids + 1] = ARGV[i]
    end
  end
  return ids
end
