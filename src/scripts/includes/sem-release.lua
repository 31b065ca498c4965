-- Shared by sem-release-5.lua and sem-release-group-5.lua (after sem-state): giving permits
-- back. `release` removes a lease's units from the holders if it still holds (compare-and-
-- delete: its member carries its own token) and returns how many it removed; `wake_after`,
-- once the releases are done, if permits came back (released or swept): deletes the holders
-- when only the mark is left (from 32 permits on; a smaller set goes with its last member),
-- and, when the queue exists, drops the waiters that stopped trying and wakes the queue's head
-- if it fits now.
local function release(member)
  if string.sub(member, 1, 2) == '1:' then
    return redis.call('ZREM', KEYS[1], member)
  end
  return on_units('ZREM', nil, member, weight_of(member), nil)
end

local function wake_after(released)
  if released == 0 and swept == 0 then
    return
  end
  local used
  if MARKED then
    used = held()
    if used == 0 then
      redis.call('DEL', KEYS[1]) -- the mark alone: nothing is held, nothing is left behind
    end
  end
  if redis.call('EXISTS', KEYS[2]) == 1 then
    drop_gone()
    wake(redis.call('ZRANGE', KEYS[2], 0, 0)[1], used or held())
  end
end
