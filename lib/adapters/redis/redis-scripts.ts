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

// Deadlines use Redis's clock (TIME), so nodes on machines with skewed clocks agree on who is dead.
const NOW_MS = `local clock = redis.call('TIME')
local now = clock[1] * 1000 + math.floor(clock[2] / 1000)
`;

// Removes one connection everywhere (its groups, the rooms index, its hash, its node's set) and
// appends the presence entries it had ({room, id, meta} triples) to `out`.
const PURGE_CONNECTION_FN = `local function purge(prefix, roomsKey, nodeConnsKey, id, out)
  local connKey = prefix .. 'conn:' .. id
  local fields = redis.call('HGETALL', connKey)
  for i = 1, #fields, 2 do
    local field, meta = fields[i], fields[i + 1]
    local kind = string.sub(field, 1, 2)
    if kind == 'r:' or kind == 't:' then
      local groupKey = prefix .. 'group:' .. field
      redis.call('HDEL', groupKey, id)
      if kind == 'r:' then
        if redis.call('EXISTS', groupKey) == 0 then redis.call('SREM', roomsKey, string.sub(field, 3)) end
        if meta ~= '' then
          table.insert(out, string.sub(field, 3))
          table.insert(out, id)
          table.insert(out, meta)
        end
      end
    end
  end
  redis.call('DEL', connKey)
  if nodeConnsKey then redis.call('SREM', nodeConnsKey, id) end
end
`;

/** KEYS nodes; ARGV node, ttlMs. Returns 1 when the node was not registered (lost or reaped): resync. */
export const HEARTBEAT = new RedisScript(`${NOW_MS}
return redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])`);

/** KEYS nodes; ARGV limit. Nodes whose deadline has passed. */
export const FIND_DEAD_NODES = new RedisScript(`${NOW_MS}
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. now, 'LIMIT', 0, tonumber(ARGV[1]))`);

/** KEYS nodes; ARGV prefix. Live nodes and their connection counts: [node, count, node, count, …]. */
export const LIVE_NODES = new RedisScript(`${NOW_MS}
local out = {}
for _, node in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf')) do
  table.insert(out, node)
  table.insert(out, redis.call('SCARD', ARGV[1] .. 'node:' .. node .. ':conns'))
end
return out`);

/**
 * KEYS nodes, rooms; ARGV prefix, node, batch, onlyIfDead ('1'|'0').
 * Purges up to `batch` connections of a node. Returns [-1] when the node is alive again (with
 * onlyIfDead), else [remaining, room, id, meta, …]; the node leaves `nodes` when none remain.
 * SPOP hands each connection to one caller, so two reapers never announce the same leave.
 */
export const PURGE_NODE = new RedisScript(`${PURGE_CONNECTION_FN}${NOW_MS}
local prefix, node = ARGV[1], ARGV[2]
if ARGV[4] == '1' then
  local deadline = redis.call('ZSCORE', KEYS[1], node)
  if deadline and tonumber(deadline) >= now then return {-1} end
end
local nodeConnsKey = prefix .. 'node:' .. node .. ':conns'
local out = {}
for _, id in ipairs(redis.call('SPOP', nodeConnsKey, tonumber(ARGV[3]))) do
  purge(prefix, KEYS[2], nil, id, out)
end
local remaining = redis.call('SCARD', nodeConnsKey)
if remaining == 0 then redis.call('ZREM', KEYS[1], node) end
table.insert(out, 1, remaining)
return out`);

/** KEYS rooms, node conns; ARGV prefix, id. Forgets a closed connection everywhere. */
export const PURGE_CONNECTION = new RedisScript(`${PURGE_CONNECTION_FN}
purge(ARGV[1], KEYS[1], KEYS[2], ARGV[2], {})
return 0`);

/** KEYS conn, group, rooms; ARGV field, id, room. One connection leaves one room. */
export const LEAVE_ROOM = new RedisScript(`redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[2])
if redis.call('EXISTS', KEYS[2]) == 0 then redis.call('SREM', KEYS[3], ARGV[3]) end
return 0`);
