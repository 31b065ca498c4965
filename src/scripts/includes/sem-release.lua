-- Shared by sem-release-5.lua and sem-release-group-5.lua (after sem-state): giving permits
-- back. `release` removes a lease's units from the holders if it still holds (compare-and-
-- delete: its member carries its own token) and returns how many it removed; `wake_after`,
-- once the releases are done, drops the waiters that stopped trying and wakes the queue's head
-- when it fits now, if permits came back (released or swept) and the queue exists.
local function release(member)
  if string.sub(member, 1, 2) == '1:' then
    return redis.call('ZREM', KEYS[1], member)
  end
  return on_units('ZREM', nil, member, weight_of(member), nil)
end

local function wake_after(released)
  if (released > 0 or swept > 0) and redis.call('EXISTS', KEYS[2]) == 1 then
    drop_gone()
    wake(redis.call('ZRANGE', KEYS[2], 0, 0)[1], redis.call('ZCARD', KEYS[1]))
  end
end
