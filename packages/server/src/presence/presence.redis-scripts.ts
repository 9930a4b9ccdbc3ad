/*
 * The Lua scripts behind Redis presence. Each runs atomically, which is what lets several
 * instances (and a swept instance waking up) act on the same keys without announcing a change
 * twice or undoing each other's work.
 */

/**
 * Sets or clears one connection of a user, derives the user's status from all their
 * connections, and returns it only when it differs from the last one announced: the
 * comparison and the update happen atomically, so exactly one instance announces each change.
 * KEYS: user's connections hash, user's announced status, and optionally the alive key of the
 * instance that held the connection: when given, nothing happens if that instance is alive
 * (a swept instance that woke up and re-announced its connections keeps them).
 * ARGV: connection id, value ('online' | 'away', '' to remove), offline mode ('0' not yet,
 * '1' when it differs from the last one announced, '2' even when no status is stored: the
 * store was lost since the user was last announced), TTL of the user's keys in ms.
 */
export const UPDATE_SCRIPT = `
if KEYS[3] and redis.call('EXISTS', KEYS[3]) == 1 then return false end
if ARGV[2] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
local status = 'offline'
for _, v in ipairs(redis.call('HVALS', KEYS[1])) do
  if v == 'online' then status = 'online' break end
  status = 'away'
end
if status == 'offline' and ARGV[3] == '0' then return false end
local last = redis.call('GET', KEYS[2])
if status == 'offline' and ARGV[3] == '2' and not last then return status end
if (last or 'offline') == status then return false end
if status == 'offline' then redis.call('DEL', KEYS[2]) else redis.call('SET', KEYS[2], status, 'PX', ARGV[4]) end
return status
`;

/**
 * Renews an instance's heartbeat and keeps it listed. Returns 1 when the heartbeat was still
 * there, 0 when it was gone (Redis restarted, or the instance was paused past its TTL and may
 * have been swept): the instance must then re-announce every connection it holds.
 * KEYS: alive key, instances set, the instance's connections hash.
 * ARGV: instance id, heartbeat TTL in ms, TTL of the instances set and connections hash in ms.
 */
export const HEARTBEAT_SCRIPT = `
local kept = redis.call('SET', KEYS[1], '1', 'PX', ARGV[2], 'XX')
if not kept then redis.call('SET', KEYS[1], '1', 'PX', ARGV[2]) end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('PEXPIRE', KEYS[3], ARGV[3])
if kept then return 1 end
return 0
`;

/**
 * Claims a dead instance's connections, once across all instances: returns them as a flat
 * [connection id, user id, ...] list and forgets the instance, or returns false when it is
 * alive or another instance claimed it first.
 * KEYS: its alive key, instances set, its connections hash. ARGV: its id.
 */
export const CLAIM_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
if redis.call('SREM', KEYS[2], ARGV[1]) == 0 then return false end
local orphans = redis.call('HGETALL', KEYS[3])
redis.call('DEL', KEYS[3])
return orphans
`;
