-- Shared by the Semaphore scripts named sem-*-5 (inlined where they say `@include`): the layout,
-- the prologue every script runs (the server's clock, then the sweep of expired leases), and
-- the helpers of the paths that are not the hot one (weights above 1, waiters).
--
-- Their KEYS, all in the hash tag of the semaphore's key (one cluster slot):
--   KEYS[1]  holders  sorted set of permit units -> the deadline of their lease (ms, server
--                     clock). A lease of weight 1 is one member, 'weight:token' ('1:token');
--                     a lease of weight w > 1 is w members, 'weight:token#1' .. 'weight:token#w',
--                     all with its deadline. With 32 permits or more, one more member, MARK
--                     (weight 0, score +inf, never swept), comes with the first lease: at 84
--                     bytes it is longer than a small sorted set's members may be
--                     (zset-max-listpack-value, 64), so the holders are a skiplist from the
--                     start, where each ZADD and ZREM is O(log n); a listpack scans every
--                     member (100 holders: ZADD 7.3 -> 0.9 us, ZREM 1.5 -> 0.4 us). Below 32
--                     permits the scans stay short, and the listpack is smaller and deleted by
--                     the ZREM of its last member. The weight held is the number of members
--                     scored below +inf (ZCOUNT), whether the mark is there or not: nothing to
--                     drift, and no count depends on the mark.
--   KEYS[2]  queue    sorted set: 'weight:ticket' -> the waiter's arrival number (FIFO order:
--                     one above the last, counted again from 1 once the queue is empty)
--   KEYS[3]  alive    sorted set: 'weight:ticket' -> when the waiter counts as gone unless it
--                     tries again (ms, server clock)
--   KEYS[4]  state    unused (it held the weight held and the arrival counter): declared still,
--                     so the scripts' KEYS stay as they were; delete() removes it
--   KEYS[5]  fence    the fencing counter: an integer string that never expires
-- The holders expire MARGIN ms after the last lease deadline; the queue and alive MARGIN ms
-- after the last waiter's deadline. A script touches the queue and alive only when the queue
-- exists (an uncontended call never does).
-- Not in KEYS: the wake-up list of each waiter, ARGV[2] .. ticket (a list of at most one token
-- its waiter blocks on with BLPOP). Which one a script pushes to depends on who heads the queue
-- at that moment, so its name is only known inside the script and cannot be declared; ARGV[2]
-- starts with the others' hash tag, so the list lives in their slot and the scripts stay
-- correct on a cluster (as BullMQ's scripts do with the keys of a job).
-- Their first two ARGV:
--   ARGV[1]  permits: the most weight held at once (every handle of a semaphore passes the same)
--   ARGV[2]  the prefix of the wake-up lists' names
-- Times and scores go to Redis as decimal strings made with '%d' (exact: they are integers, and
-- Lua's integer type is 64 bits wide): a Lua number would reach Redis through '%.17g', at twice
-- the cost (server instructions counted with callgrind).
local PERMITS = tonumber(ARGV[1])
-- How long an unclaimed wake-up token lives, ms.
local WAKE_TTL = '5000'
-- How long the keys outlive the last deadline they hold, ms.
local MARGIN = 1000
-- The holders' mark (see KEYS[1]): 84 bytes, weight 0; used from 32 permits on.
local MARK = '0:redisext-semaphore-holders;this-member-holds-no-permit;it-keeps-the-set-a-skiplist'
local MARKED = PERMITS >= 32

-- The weight held: the holders' units, every member scored below +inf (never the mark).
local function held()
  return redis.call('ZCOUNT', KEYS[1], '-inf', '(+inf')
end

-- The server's clock, ms; then the sweep: the leases expired by now leave the holders (their
-- permits come back; `swept` units).
local clock = redis.call('TIME')
local now = clock[1] * 1000 + (clock[2] - clock[2] % 1000) / 1000
local NOW = string.format('%d', now)
local swept = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', NOW)

-- The weight of a member 'weight:token' (or 'weight:ticket').
local function weight_of(member)
  return tonumber(string.sub(member, 1, string.find(member, ':', 1, true) - 1))
end

-- Runs `command` (ZADD or ZREM; `option` e.g. 'XX', or nil) on the holders with the units of
-- the lease `member` of `weight` > 1 (each preceded by `score` for a ZADD), 500 units a call
-- (unpack has a limit); returns the sum of the replies.
local function on_units(command, option, member, weight, score)
  local total = 0
  for first = 1, weight, 500 do
    local args = { command, KEYS[1] }
    if option then
      args[3] = option
    end
    for i = first, math.min(first + 499, weight) do
      if score then
        args[#args + 1] = score
      end
      args[#args + 1] = member .. '#' .. i
    end
    total = total + redis.call(unpack(args))
  end
  return total
end

-- Keeps the holders (a key that existed before this script) until `ms` from now at least: the
-- lease just added or extended lives until ms - MARGIN, and the others until the key's expiry
-- already covers. PEXPIRE GT (Redis 7.0) never shortens it; before 7.0, the last deadline is read.
local function stretch_holders(ms)
  if type(redis.pcall('PEXPIRE', KEYS[1], string.format('%d', ms), 'GT')) == 'table' then
    -- The last deadline: the highest score below +inf (the mark's).
    local last =
      redis.call('ZREVRANGEBYSCORE', KEYS[1], '(+inf', '-inf', 'WITHSCORES', 'LIMIT', 0, 1)[2]
    redis.call('PEXPIRE', KEYS[1], last - now + MARGIN)
  end
end

-- Drops the waiters that stopped trying (their deadline in alive passed) from the queue.
local function drop_gone()
  local gone = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', NOW)
  if #gone > 0 then
    for i = 1, #gone, 1000 do
      redis.call('ZREM', KEYS[2], unpack(gone, i, math.min(i + 999, #gone)))
    end
    redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', NOW)
  end
end

-- Wakes `head`, the queue's first waiter (or nil), when its weight fits beside `used`: one
-- token on its wake-up list.
local function wake(head, used)
  if head and used + weight_of(head) <= PERMITS then
    local list = ARGV[2] .. string.sub(head, string.find(head, ':', 1, true) + 1)
    redis.call('LPUSH', list, '1')
    redis.call('LTRIM', list, 0, 0)
    redis.call('PEXPIRE', list, WAKE_TTL)
  end
end

-- The error a pcall caught, as an error reply (the grouped scripts fail one call, not all).
local function as_error(failure)
  if type(failure) == 'table' and failure.err then
    return failure
  end
  return redis.error_reply(tostring(failure))
end
