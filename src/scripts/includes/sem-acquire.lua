-- Shared by sem-acquire-5.lua and sem-acquire-group-5.lua (after sem-state): one acquire
-- attempt. Grants `weight` permits when they fit (held units + weight <= permits) and the caller
-- may go first: nobody waits, or the caller's ticket heads the queue (so a caller that does not
-- wait never overtakes the waiters, and the head of the queue is never starved by lighter
-- callers behind it). A grant draws the next fencing token, adds the lease's units to the
-- holders (their deadline: now + ttl, server clock), and, when the caller headed the queue,
-- takes its ticket off and wakes the next head if it fits too (a release of several permits
-- serves a chain of waiters, one after the other). Otherwise a waiting caller is queued (once:
-- its arrival number is kept) and its deadline in `alive` refreshed, and the head is woken if
-- it fits.
-- Uncontended grant: EXISTS, ZCOUNT, INCR, ZADD (with the mark when it is the first, from 32
-- permits on), PEXPIRE (after the prologue's TIME and sweep).
-- Arguments: ARGV[3] to ARGV[7] of sem-acquire-5.lua (member, weight and ttl as numbers,
-- patience as a number, ticket); returns its reply.
local function acquire(member, weight, ttl, patience, ticket)
  local queued = redis.call('EXISTS', KEYS[2]) == 1
  local used = held()
  local head
  if queued then
    drop_gone()
    head = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
  end
  if (not head or head == ticket) and used + weight <= PERMITS then
    local fence = redis.call('INCR', KEYS[5])
    local deadline = string.format('%d', now + ttl)
    local first = used == 0 and MARKED -- the mark comes with the first lease
    if weight > 1 then
      if first then
        redis.call('ZADD', KEYS[1], 'inf', MARK)
      end
      on_units('ZADD', nil, member, weight, deadline)
    elseif first then
      redis.call('ZADD', KEYS[1], 'inf', MARK, deadline, member)
    else
      redis.call('ZADD', KEYS[1], deadline, member)
    end
    if used == 0 then
      -- Nothing held before: a new key (no expiry yet), or the mark alone.
      redis.call('PEXPIRE', KEYS[1], string.format('%d', ttl + MARGIN))
    else
      stretch_holders(ttl + MARGIN)
    end
    if head then
      redis.call('ZREM', KEYS[2], ticket)
      redis.call('ZREM', KEYS[3], ticket)
      redis.call('DEL', ARGV[2] .. string.sub(ticket, string.find(ticket, ':', 1, true) + 1))
      wake(redis.call('ZRANGE', KEYS[2], 0, 0)[1], used + weight)
    end
    return fence
  end
  if patience > 0 and ticket ~= '' then
    if not head or (head ~= ticket and not redis.call('ZSCORE', KEYS[2], ticket)) then
      local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')[2]
      redis.call('ZADD', KEYS[2], (last or 0) + 1, ticket)
      head = head or ticket
    end
    redis.call('ZADD', KEYS[3], now + patience, ticket)
    local ms = redis.call('ZRANGE', KEYS[3], -1, -1, 'WITHSCORES')[2] - now + MARGIN
    redis.call('PEXPIRE', KEYS[2], ms)
    redis.call('PEXPIRE', KEYS[3], ms)
  end
  if head ~= ticket then
    wake(head, used)
  end
  -- Only the head can be granted next: a waiter behind it has no expiry to watch for.
  if ticket ~= '' and head ~= ticket then
    return { 0, -1 }
  end
  local earliest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if earliest[1] == nil or earliest[1] == MARK then
    return { 0, -1 }
  end
  return { 0, earliest[2] - now }
end
