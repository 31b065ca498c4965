-- ReliableQueue: purge dead letters. Removes them for good.
--
-- KEYS, ARGV[1], ARGV[2]: see includes/queue-state.lua
-- ARGV[3], ...  the ids to remove; none: every dead letter
--
-- Reply: how many were removed (ids that are not dead letters are skipped)
-- @include queue-state
local ids = dead_ids()
for i = 1, #ids, 1000 do
  redis.call('ZREM', KEYS[7], unpack(ids, i, math.min(i + 999, #ids)))
end
forget(ids)
return #ids
