-- Semaphore: several acquire attempts on one semaphore in one step, in order, each with the
-- result it would have had as a call of sem-acquire-5.lua of its own at that point. The
-- transport sends the calls of sem-acquire-5.lua issued together for the same keys as one call
-- of this script (core/grouped-calls.ts). They share the clock and the sweep; a run of attempts
-- of weight 1 that fit while nobody waits (the uncontended case) also shares the reads, one
-- INCRBY of the fencing counter (each gets its own token, increasing in their order), one ZADD
-- and one expiry update: 4 commands for the run instead of 5 per attempt. Any other attempt runs
-- the whole of includes/sem-acquire.lua, and the next ones read the state again.
--
-- KEYS, ARGV[1], ARGV[2]: see includes/sem-state.lua
-- ARGV[3]  n: how many attempts
-- ARGV[4 + 5 * (i - 1)] .. ARGV[8 + 5 * (i - 1)]  attempt i: its ARGV[3] .. ARGV[7] of
--          sem-acquire-5.lua (member, weight, ttl, patience, ticket)
--
-- Reply: per attempt, in order, the reply of sem-acquire-5.lua (fence or {0, hint}), or
-- the error it met (an attempt's error fails that attempt only: the others keep their results).
-- @include sem-state
-- @include sem-acquire
local out = {}
-- The run of uncontended attempts granted but not yet written: their numbers; the holders'
-- weight held before the run (0: a new key, or the mark alone: no lease, no expiry to keep).
local run, before = {}, 0

local function write_run()
  local count = #run
  if count == 0 then
    return
  end
  local ok, failure = pcall(function()
    -- INCRBY first: a counter that is not an integer fails the run before any holder is added.
    local last = redis.call('INCRBY', KEYS[5], count)
    -- Each distinct ttl parsed and its deadline formatted once (scores: see sem-state.lua).
    local zadd, longest, deadlines = { 'ZADD', KEYS[1] }, 0, {}
    if before == 0 and MARKED then
      zadd[3], zadd[4] = 'inf', MARK -- the mark comes with the first leases
    end
    local at = #zadd
    for j = 1, count do
      local base = 4 + 5 * (run[j] - 1)
      local deadline = deadlines[ARGV[base + 2]]
      if deadline == nil then
        local ttl = tonumber(ARGV[base + 2])
        deadline = string.format('%d', now + ttl)
        deadlines[ARGV[base + 2]] = deadline
        if ttl > longest then
          longest = ttl
        end
      end
      zadd[at + 2 * j - 1] = deadline
      zadd[at + 2 * j] = ARGV[base]
    end
    redis.call(unpack(zadd))
    if before == 0 then
      -- Nothing held before: a new key (no expiry yet), or the mark alone.
      redis.call('PEXPIRE', KEYS[1], string.format('%d', longest + MARGIN))
    else
      stretch_holders(longest + MARGIN)
    end
    for j = 1, count do
      out[run[j]] = last - count + j
    end
  end)
  if not ok then
    local reply = as_error(failure)
    for j = 1, count do
      out[run[j]] = reply
    end
  end
  run = {}
end

-- The state the run is judged on (nil: read it again).
local queued, used
for i = 1, tonumber(ARGV[3]) do
  local base = 4 + 5 * (i - 1)
  local weight = ARGV[base + 1] == '1' and 1 or tonumber(ARGV[base + 1])
  if used == nil then
    queued = redis.call('EXISTS', KEYS[2]) == 1
    used = held()
  end
  if not queued and weight == 1 and used + 1 <= PERMITS then
    if #run == 0 then
      before = used
    end
    run[#run + 1] = i
    used = used + 1
  else
    write_run()
    local ok, reply = pcall(
      acquire,
      ARGV[base],
      weight,
      tonumber(ARGV[base + 2]),
      tonumber(ARGV[base + 3]),
      ARGV[base + 4]
    )
    out[i] = ok and reply or as_error(reply)
    used = nil
  end
end
write_run()
return out
