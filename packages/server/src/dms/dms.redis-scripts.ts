/**
 * The Redis outbox's steps, each one Lua script so that Redis runs it whole, without another
 * instance's step in between. A script that stops half-way (an error) keeps what it wrote, so
 * each is written to leave nothing a later step could misread: see PUT.
 *
 * Keys (p = the prefix): `p:dm:<id>` the message (JSON), `p:dm:<id>:acked` the devices that
 * acknowledged it, `p:dm:client:<from>:<clientMsgId>` the claim `<id>|q` (queued) or `<id>|d`
 * (delivered), `p:dm:inbox:<to>`, `p:dm:sent:<from>`, `p:dm:pair:<from>:<to>` (ids by expiry),
 * `p:dm:expiring` (`<id>|<from>|<to>|<ttlMs>|q|d` by expiry), `p:dm:status:<from>`
 * (`<id>|<status>` by the time it stops waiting for the sender). Keys are built inside the
 * scripts: Parley's outbox needs a single Redis (or one shard), not a cluster.
 */

/** Reads a claim: `{ id, delivered }`, and whether its message is stored. */
const READ_CLAIM = `
local function read_claim(p, held)
  local sep = string.find(held, '|', 1, true)
  local heldId = string.sub(held, 1, sep - 1)
  return heldId, string.sub(held, sep + 1) == 'd', redis.call('EXISTS', p .. ':dm:' .. heldId) == 1
end
`;

/**
 * Claim and store in one step. ARGV: prefix, id, fromId, toId, clientMsgId, json, expiresAt,
 * now, the four caps (pair, sender, recipient, total), key TTL, failAfterClaim, ttlMs.
 * A claim whose message is not stored (only a script that failed half-way leaves one) is not
 * a retry of anything: the message is stored anew under the new id.
 */
export const PUT = `${READ_CLAIM}
local p, id, fromId, toId, cmid, json = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local expiresAt, now = tonumber(ARGV[7]), tonumber(ARGV[8])
local client = p .. ':dm:client:' .. fromId .. ':' .. cmid
local held = redis.call('GET', client)
if held then
  local heldId, delivered, stored = read_claim(p, held)
  if delivered then return {'delivered', heldId} end
  if stored then return {'queued', heldId} end
end
local sets = { p .. ':dm:pair:' .. fromId .. ':' .. toId, p .. ':dm:sent:' .. fromId, p .. ':dm:inbox:' .. toId, p .. ':dm:expiring' }
local names = { 'perPair', 'perSender', 'perRecipient', 'total' }
for i = 1, 4 do
  if redis.call('ZCOUNT', sets[i], now, '+inf') >= tonumber(ARGV[8 + i]) then
    local oldest = redis.call('ZRANGEBYSCORE', sets[i], now, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
    return {'full', names[i], tostring(oldest[2] or now)}
  end
end
redis.call('SET', client, id .. '|q', 'PXAT', ARGV[7])
if ARGV[14] == '1' then return redis.error_reply('simulated crash after claim') end
redis.call('SET', p .. ':dm:' .. id, json, 'PXAT', ARGV[7])
for i = 1, 3 do
  redis.call('ZADD', sets[i], ARGV[7], id)
  redis.call('PEXPIRE', sets[i], ARGV[13])
end
redis.call('ZADD', sets[4], ARGV[7], id .. '|' .. fromId .. '|' .. toId .. '|' .. ARGV[15] .. '|q')
return {'new', id}
`;

/** Keeps a status for the sender for `ttl` ms; the key lives as long as its longest-waiting status. */
const KEEP_STATUS = `
local function keep_status(p, fromId, id, status, now, ttl)
  local key = p .. ':dm:status:' .. fromId
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  redis.call('ZADD', key, now + ttl, id .. '|' .. status)
  if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
end
`;

/**
 * Acknowledgements of one connection. ARGV: prefix, userId, deviceId ('' when the connection
 * named none), now, ids… Returns `<id>|<fromId>` for each message this call delivered.
 */
export const ACK = `${KEEP_STATUS}
local p, userId, deviceId, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local delivered = {}
for i = 5, #ARGV do
  local id = ARGV[i]
  local entryKey = p .. ':dm:' .. id
  local json = redis.call('GET', entryKey)
  if json then
    local e = cjson.decode(json)
    local isRecipient = e.toId == userId
    local hasCopy = false
    local nCopies = 0
    if type(e.copies) == 'table' then
      nCopies = #e.copies
      for _, c in ipairs(e.copies) do
        if deviceId ~= '' and c.userId == userId and c.deviceId == deviceId then hasCopy = true end
      end
    end
    if isRecipient or hasCopy then
      local ackedKey = entryKey .. ':acked'
      if hasCopy then
        redis.call('SADD', ackedKey, userId .. '/' .. deviceId)
        redis.call('PEXPIREAT', ackedKey, string.format('%d', e.expiresAt))
      end
      local ttl = e.expiresAt - e.sentAt
      local member = id .. '|' .. e.fromId .. '|' .. e.toId .. '|' .. string.format('%d', ttl)
      local client = p .. ':dm:client:' .. e.fromId .. ':' .. e.clientMsgId
      local isDelivered = redis.call('GET', client) == id .. '|d'
      if isRecipient and not isDelivered then
        isDelivered = true
        redis.call('SET', client, id .. '|d', 'PXAT', string.format('%d', e.expiresAt))
        keep_status(p, e.fromId, id, 'delivered', now, ttl)
        -- Its TTL running out is no expiry any more.
        if redis.call('ZREM', p .. ':dm:expiring', member .. '|q') == 1 then
          redis.call('ZADD', p .. ':dm:expiring', string.format('%d', e.expiresAt), member .. '|d')
        end
        table.insert(delivered, id .. '|' .. e.fromId)
      end
      local finished = isDelivered
      if nCopies > 0 then finished = redis.call('SCARD', ackedKey) >= nCopies end
      if finished then
        redis.call('DEL', entryKey, ackedKey)
        redis.call('ZREM', p .. ':dm:inbox:' .. e.toId, id)
        redis.call('ZREM', p .. ':dm:sent:' .. e.fromId, id)
        redis.call('ZREM', p .. ':dm:pair:' .. e.fromId .. ':' .. e.toId, id)
        redis.call('ZREM', p .. ':dm:expiring', member .. '|q', member .. '|d')
      end
    end
  end
end
return delivered
`;

/**
 * One due member of the expiry set. ZREM decides which instance handles it (exactly one).
 * ARGV: prefix, member, now. Returns 1 when the message expired undelivered.
 */
export const EXPIRE = `${KEEP_STATUS}
local p, member, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
if redis.call('ZREM', p .. ':dm:expiring', member) ~= 1 then return 0 end
local parts = {}
for part in string.gmatch(member, '[^|]+') do table.insert(parts, part) end
local id, fromId, toId, ttl, state = parts[1], parts[2], parts[3], tonumber(parts[4]), parts[5]
redis.call('DEL', p .. ':dm:' .. id, p .. ':dm:' .. id .. ':acked')
redis.call('ZREM', p .. ':dm:inbox:' .. toId, id)
redis.call('ZREM', p .. ':dm:sent:' .. fromId, id)
redis.call('ZREM', p .. ':dm:pair:' .. fromId .. ':' .. toId, id)
if state == 'd' then return 0 end
keep_status(p, fromId, id, 'expired', now, ttl)
return 1
`;

/**
 * The messages (JSON) holding a copy for this device that it has not acknowledged: the user's
 * inbox (copies for their devices) and what they sent (copies for their other devices).
 * ARGV: prefix, userId, deviceId, now.
 */
export const PENDING_FOR_DEVICE = `
local p, userId, deviceId, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local ids = redis.call('ZRANGEBYSCORE', p .. ':dm:inbox:' .. userId, now, '+inf')
for _, id in ipairs(redis.call('ZRANGEBYSCORE', p .. ':dm:sent:' .. userId, now, '+inf')) do table.insert(ids, id) end
local out, seen = {}, {}
for _, id in ipairs(ids) do
  if not seen[id] then
    seen[id] = true
    local json = redis.call('GET', p .. ':dm:' .. id)
    if json then
      local e = cjson.decode(json)
      if type(e.copies) == 'table' and redis.call('SISMEMBER', p .. ':dm:' .. id .. ':acked', userId .. '/' .. deviceId) == 0 then
        for _, c in ipairs(e.copies) do
          if c.userId == userId and c.deviceId == deviceId then table.insert(out, json) break end
        end
      end
    end
  end
end
return out
`;
