-- Document: save (or update with removals). Sets the given fields, removes the absent optional
-- ones and sets the time to live, in one step.
--
-- KEYS[1]  the document's hash
-- ARGV[1]  the time to live in milliseconds, or '' to leave it as it is
-- ARGV[2]  n, the number of fields to set
-- ARGV[3 .. 2+2n]  field, value pairs to set (HSET)
-- ARGV[3+2n ..]    fields to remove (HDEL)
--
-- Reply: 1 when the key existed before, 0 when the document is new
local existed = redis.call('EXISTS', KEYS[1])
local n = tonumber(ARGV[2])
if n > 0 then
  redis.call('HSET', KEYS[1], unpack(ARGV, 3, 2 + 2 * n))
end
if #ARGV >= 3 + 2 * n then
  redis.call('HDEL', KEYS[1], unpack(ARGV, 3 + 2 * n, #ARGV))
end
if ARGV[1] ~= '' and redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return existed
