import { createHash } from 'node:crypto';
import type { RedisCommandClient } from './redis-clients';

/** A Lua script run by its SHA1, sent whole only when Redis does not know it (e.g. after a restart). */
export class RedisScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: RedisCommandClient, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(this.source, keys.length, ...keys, ...args);
    }
  }

  /** The same, with bulk replies as Buffers (binary payloads stay intact). */
  async runBuffer(client: RedisCommandClient, keys: readonly string[], args: readonly (string | number | Buffer)[]): Promise<unknown> {
    try {
      return await client.callBuffer('EVALSHA', this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.callBuffer('EVAL', this.source, keys.length, ...keys, ...args);
    }
  }
}

// Every script below touches the keys of one room only ({<partition>}r:<room>:presence and :nodes),
// so each runs on one Redis Cluster slot. Deadlines use Redis's clock (TIME), so nodes on machines
// with skewed clocks agree on who is dead; Redis 5 needs effects replication for writes after TIME.
const NOW_MS = `if redis.replicate_commands then pcall(redis.replicate_commands) end
local clock = redis.call('TIME')
local now = clock[1] * 1000 + math.floor(clock[2] / 1000)
`;

// A presence entry is '<node>\\n<presence JSON or "">'; a key outlives the newest deadline written to it.
const PRESENCE_FNS = `local function split(value)
  local at = string.find(value, '\\n', 1, true)
  return string.sub(value, 1, at - 1), string.sub(value, at + 1)
end
local function keep(key, ttl)
  if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
end
`;

/** KEYS presence, nodes; ARGV id, node, meta ('' without), ttlMs. A connection of `node` joins the room. */
export const JOIN_ROOM = new RedisScript(`${NOW_MS}${PRESENCE_FNS}
local ttl = tonumber(ARGV[4])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '\\n' .. ARGV[3])
redis.call('HSET', KEYS[2], ARGV[2], now + ttl)
keep(KEYS[1], ttl)
keep(KEYS[2], ttl)
return 0`);

/** KEYS presence, nodes; ARGV id, node, '1' when it was the node's last member of the room. */
export const LEAVE_ROOM = new RedisScript(`redis.call('HDEL', KEYS[1], ARGV[1])
if ARGV[3] == '1' then redis.call('HDEL', KEYS[2], ARGV[2]) end
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('DEL', KEYS[2]) end
return 0`);

/** KEYS presence, nodes. [id, meta, …] of the members whose node is alive (an expired entry is ignored). */
export const READ_PRESENCE = new RedisScript(`${NOW_MS}${PRESENCE_FNS}
local alive = {}
local deadlines = redis.call('HGETALL', KEYS[2])
for i = 1, #deadlines, 2 do alive[deadlines[i]] = tonumber(deadlines[i + 1]) >= now end
local out = {}
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  local node, meta = split(entries[i + 1])
  if alive[node] then
    table.insert(out, entries[i])
    table.insert(out, meta)
  end
end
return out`);

/**
 * KEYS presence and nodes of each room (several rooms of one partition: one slot); ARGV node, ttlMs.
 * Pushes the node's deadline in each room and removes the members of nodes past theirs. Returns, per
 * room: isNew (1: Redis had lost this node there), the count of removed members, then their id and
 * meta pairs: one caller removes each, so a leave is announced once.
 */
export const REFRESH_ROOMS = new RedisScript(`${NOW_MS}${PRESENCE_FNS}
local ttl = tonumber(ARGV[2])
local out = {}
for k = 1, #KEYS, 2 do
  local presence, nodes = KEYS[k], KEYS[k + 1]
  table.insert(out, redis.call('HSET', nodes, ARGV[1], now + ttl))
  local dead = {}
  local anyDead = false
  local deadlines = redis.call('HGETALL', nodes)
  for i = 1, #deadlines, 2 do
    if tonumber(deadlines[i + 1]) < now then
      dead[deadlines[i]] = true
      anyDead = true
      redis.call('HDEL', nodes, deadlines[i])
    end
  end
  local countAt = #out + 1
  table.insert(out, 0)
  if anyDead then
    local entries = redis.call('HGETALL', presence)
    for i = 1, #entries, 2 do
      local node, meta = split(entries[i + 1])
      if dead[node] then
        redis.call('HDEL', presence, entries[i])
        table.insert(out, entries[i])
        table.insert(out, meta)
        out[countAt] = out[countAt] + 1
      end
    end
  end
  keep(presence, ttl)
  keep(nodes, ttl)
end
return out`);

/**
 * KEYS presence and nodes of each room (several rooms of one partition: one slot); ARGV node, ttlMs,
 * then per room, in KEYS order: its member count n and n id and meta pairs. Replaces the node's members
 * of each room with these (none: the node leaves the room). Returns, per room: the count of members
 * the node had there, then their id and meta pairs.
 */
export const REPLACE_NODE_IN_ROOMS = new RedisScript(`${NOW_MS}${PRESENCE_FNS}
local node, ttl = ARGV[1], tonumber(ARGV[2])
local out = {}
local at = 3
for k = 1, #KEYS, 2 do
  local presence, nodes = KEYS[k], KEYS[k + 1]
  local countAt = #out + 1
  table.insert(out, 0)
  local entries = redis.call('HGETALL', presence)
  for i = 1, #entries, 2 do
    local holder, meta = split(entries[i + 1])
    if holder == node then
      redis.call('HDEL', presence, entries[i])
      table.insert(out, entries[i])
      table.insert(out, meta)
      out[countAt] = out[countAt] + 1
    end
  end
  local count = tonumber(ARGV[at])
  for i = at + 1, at + 2 * count, 2 do redis.call('HSET', presence, ARGV[i], node .. '\\n' .. ARGV[i + 1]) end
  at = at + 1 + 2 * count
  if count > 0 then
    redis.call('HSET', nodes, node, now + ttl)
    keep(presence, ttl)
    keep(nodes, ttl)
  else
    redis.call('HDEL', nodes, node)
  end
  if redis.call('EXISTS', presence) == 0 then redis.call('DEL', nodes) end
end
return out`);
