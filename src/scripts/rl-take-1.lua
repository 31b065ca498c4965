-- RateLimiter: take, peek, reserve or refund `cost` units on every limit of one id, in one step
-- (GCRA, the generic cell rate algorithm). The key holds one theoretical arrival time (TAT) per
-- limit, in integer microseconds of this server's clock (TIME), space-separated, in the order of
-- the limits; a missing or unparsable entry means "no history" (TAT = now). Nothing is stored
-- per request, and the key expires when every limit is full again. A limit with emission
-- interval T (µs per unit) and capacity `burst` allows `cost` now iff TAT + cost*T - burst*T <= now
-- (TAT counted from now at the earliest); an allowed take moves its TAT to TAT + cost*T.
--
-- KEYS[1]  the limiter key: a string "tat1 tat2 ..." (µs), or missing
-- ARGV[1]  mode: 'take'    consume `cost` on every limit if all of them allow it now, else nothing
--                'peek'    what 'take' would reply now, without writing anything
--                'reserve' consume `cost` on every limit if all of them allow it within ARGV[3]
--                          ms: the caller is admitted once that delay has passed; else nothing
--                'refund'  give `cost` back to every limit (a reservation left unused): each
--                          TAT goes back by cost*T, never before now; deletes a key left full
-- ARGV[2]  cost: a positive integer, at most the smallest burst
-- ARGV[3]  'reserve': the longest delay accepted, ms (0: only if allowed now); else ignored
-- ARGV[4], ARGV[5], ...  per limit, in order, two integers: T, the emission interval in µs
--          (per / rate), and burst, the units allowed at once
--
-- Reply: {allowed, remaining, retryAfter, resetAfter, limit}, all integers:
--   allowed     1 done (take: taken, peek: would be, reserve: reserved, refund: always);
--               0 refused, nothing written
--   remaining   units a take of 1 could still get now, after this call: the least over limits
--   retryAfter  ms (ceil) from now until `cost` is allowed on every limit: 0 when allowed now;
--               for a reservation made, the delay the caller waits before it is due
--   resetAfter  ms (ceil) from now until every limit is full again (the key's time to live)
--   limit       0-based index of the limit that decided: the one that refused or delays (the
--               longest wait), else the one with the fewest units left
-- or, in the common case (allowed, retryAfter 0, limit 0, remaining < 2^21, resetAfter < 2^32),
-- the one integer remaining * 2^32 + resetAfter: the server encodes an array at about 5k
-- instructions, an eighth of a take (callgrind), an integer at a tenth of that.
-- Errors: WRONGTYPE when the key is not a string.
local time = redis.call('TIME')
local now = time[1] * 1000000 + time[2]
local mode = ARGV[1]
if mode ~= 'take' and mode ~= 'peek' and mode ~= 'reserve' and mode ~= 'refund' then
  return redis.error_reply('ERR unknown rate limiter mode ' .. tostring(mode))
end

-- The arguments as numbers, parsed once per argument list (kept in ARGV.parsed: the runner of
-- merged calls hands one ARGV table to the calls of a script with the same arguments), with
-- scratch tables that each call overwrites. Converting a string to a number, or back, is the
-- dearest step of a call here ('%d' formats a TAT, an integer, at half the cost of '%.0f'; Lua's
-- integer type is 64 bits wide on the platforms Redis supports, as rq-extend-1.lua assumes too).
local parsed = ARGV.parsed
if parsed == nil then
  parsed = { tonumber(ARGV[2]), tonumber(ARGV[3]) * 1000, (#ARGV - 3) / 2, {}, {}, {}, {} }
  for i = 1, parsed[3] do
    parsed[4][i] = tonumber(ARGV[2 + 2 * i])
    parsed[5][i] = tonumber(ARGV[3 + 2 * i])
  end
  -- Under pcall: were ARGV the server's own table made read-only, the call goes on unmemoized.
  pcall(rawset, ARGV, 'parsed', parsed)
end
local cost, delay, count = parsed[1], parsed[2], parsed[3]
local intervals, bursts, tats, texts = parsed[4], parsed[5], parsed[6], parsed[7]

-- The stored TATs (false for a missing or unparsable entry).
local value = redis.call('GET', KEYS[1])
if value and count == 1 then
  tats[1] = tonumber(value) or tonumber(string.match(value, '^%S+')) or false
else
  for i = 1, count do
    tats[i] = false
  end
  if value then
    local n = 0
    for word in string.gmatch(value, '%S+') do
      n = n + 1
      if n > count then
        break
      end
      tats[n] = tonumber(word) or false
    end
  end
end

-- Each TAT counted from now at the earliest; the longest wait for `cost` (µs), and its limit.
local wait, waiting = -1, 1
for i = 1, count do
  local tat = tats[i]
  if not tat or tat < now then
    tat = now
    tats[i] = now
  end
  local due = tat + (cost - bursts[i]) * intervals[i] - now
  if due > wait then
    wait, waiting = due, i
  end
end

local apply = mode == 'refund' or wait <= 0 or (mode == 'reserve' and wait <= delay)

local remaining, fewest, reset = nil, 1, 0
for i = 1, count do
  local interval = intervals[i]
  local tat = tats[i]
  if apply then
    if mode == 'refund' then
      tat = math.max(tat - cost * interval, now)
    else
      tat = tat + cost * interval
    end
    tats[i] = tat
  end
  -- floor((now - tat + burst * T) / T), exact on integers held in doubles
  local left = now - tat + bursts[i] * interval
  left = (left - left % interval) / interval
  if left < 0 then
    left = 0
  end
  if remaining == nil or left < remaining then
    remaining, fewest = left, i
  end
  if tat - now > reset then
    reset = tat - now
  end
end

-- µs as ms, rounded up
local reset_ms = 0
if reset > 0 then
  reset_ms = (reset + 999 - (reset + 999) % 1000) / 1000
end
if apply and mode ~= 'peek' then
  if reset <= 0 then
    redis.call('DEL', KEYS[1])
  elseif count == 1 then
    redis.call('SET', KEYS[1], string.format('%d', tats[1]), 'PX', reset_ms)
  else
    for i = 1, count do
      texts[i] = string.format('%d', tats[i])
    end
    redis.call('SET', KEYS[1], table.concat(texts, ' ', 1, count), 'PX', reset_ms)
  end
end

local decided = fewest
local retry = 0
if mode ~= 'refund' then
  if not apply or wait > 0 then
    decided = waiting
  end
  if wait > 0 then
    retry = (wait + 999 - (wait + 999) % 1000) / 1000
  end
end
-- The common case as one integer (see Reply).
if apply and retry == 0 and decided == 1 and remaining < 2097152 and reset_ms < 4294967296 then
  return remaining * 4294967296 + reset_ms
end
return { apply and 1 or 0, remaining, retry, reset_ms, decided - 1 }
