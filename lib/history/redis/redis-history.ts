import type { RedisCommandClient } from '../../adapters/redis/redis-clients';
import { RedisHistoryLink, RETAINED_BINARY_MARK, RETAINED_TEXT_MARK } from '../../adapters/redis/redis-history-link';
import { RedisScript } from '../../adapters/redis/redis-scripts';
import { pipelineBySlot } from '../../adapters/redis/slot-pipelines';
import { HistoryUnavailableError } from '../history-unavailable.error';
import { HistoryBackend, HistoryBackendContext, HistoryRead, RetainedEntry, SessionRecord, SessionWrite, StreamPosition } from '../history-backend.interface';
import { newEpoch } from '../memory-history';
import { RetainedGaps } from './retained-gaps';


// A retained message on a room's channel: mark (RETAINED_*_MARK, which tells the adapter it is not
// one of its own), offset, epoch and a JSON header {r: room, x: except} on lines of their own, then
// the codec's bytes of {event, data}.
const NEWLINE = 0x0a;
const NOBODY: ReadonlySet<string> = new Set();
const HISTORY_META_TTL_MS = 30 * 86_400_000;

// Redis 5 needs effects replication for writes after TIME; later versions always do it.
const NOW_MS = `if redis.replicate_commands then pcall(redis.replicate_commands) end
local clock = redis.call('TIME')
local now = clock[1] * 1000 + math.floor(clock[2] / 1000)
`;

// The history is lost when the meta hash is gone (its TTL, FLUSHALL, eviction): a new epoch then
// starts over at offset 0. A stream gone while the meta hash stays (the stream's shorter TTL, or
// eviction) keeps the epoch and the offsets: a client behind the newest offset finds no entries
// and is told recovered: false, with the right epoch.
const ENSURE_EPOCH = `local epoch = redis.call('HGET', KEYS[2], 'epoch')
local top = tonumber(redis.call('HGET', KEYS[2], 'offset') or '0')
if not epoch then
  epoch = ARGV[1]
  top = 0
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[2], 'epoch', epoch, 'offset', 0)
end
`;

// KEYS stream, meta; ARGV[ttl] and ARGV[ttl + 1]: PEXPIRE of each ('0': none).
const EXPIRE = (ttlArg: number): string => `if ARGV[${ttlArg}] ~= '0' then
  redis.call('PEXPIRE', KEYS[1], ARGV[${ttlArg}])
  redis.call('PEXPIRE', KEYS[2], ARGV[${ttlArg + 1}])
end
`;

/**
 * KEYS stream, meta, channel (one slot: the room's partition); ARGV newEpoch, mark, header, payload,
 * maxLen, maxAgeMs, publish command, streamTtlMs, metaTtlMs, except (JSON, '' for none: kept as
 * field x, so a gap filled from the stream skips whom the live message skipped). XADD with the offset as id
 * (`<offset>-0`) and MAXLEN ~, age trimming by MINID, then (S)PUBLISH in the same script: every node
 * sees a room's messages in offset order. Returns {offset, epoch}.
 */
const APPEND = new RedisScript(`${NOW_MS}${ENSURE_EPOCH}
local offset = redis.call('HINCRBY', KEYS[2], 'offset', 1)
if ARGV[10] == '' then
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[5], offset .. '-0', 'p', ARGV[4], 't', now)
else
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[5], offset .. '-0', 'p', ARGV[4], 't', now, 'x', ARGV[10])
end
local maxAge = tonumber(ARGV[6])
if maxAge > 0 then
  local oldest = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 64)
  local keep = nil
  for _, entry in ipairs(oldest) do
    if tonumber(entry[2][4]) >= now - maxAge then keep = entry[1] break end
  end
  if keep == nil and #oldest > 0 then keep = (tonumber(string.match(oldest[#oldest][1], '^%d+')) + 1) .. '-0' end
  if keep ~= nil then redis.call('XTRIM', KEYS[1], 'MINID', keep) end
end
${EXPIRE(8)}redis.call(ARGV[7], KEYS[3], ARGV[2] .. offset .. '\\n' .. epoch .. '\\n' .. ARGV[3] .. '\\n' .. ARGV[4])
return {offset, epoch}`);

/** KEYS stream, meta; ARGV newEpoch, streamTtlMs, metaTtlMs. {epoch, top}, starting an epoch when there is none. */
const POSITION = new RedisScript(`${ENSURE_EPOCH}if ARGV[3] ~= '0' then redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
return {epoch, top}`);

/** KEYS stream, meta; ARGV afterOffset, maxAgeMs. {epoch ('' when lost), top, entries after the offset and within the age}. */
const READ = new RedisScript(`${NOW_MS}
local epoch = redis.call('HGET', KEYS[2], 'epoch')
local top = tonumber(redis.call('HGET', KEYS[2], 'offset') or '0')
if not epoch then return {'', 0, {}} end
local entries = redis.call('XRANGE', KEYS[1], (tonumber(ARGV[1]) + 1) .. '-0', '+')
local maxAge = tonumber(ARGV[2])
if maxAge > 0 then
  local fresh = {}
  for _, entry in ipairs(entries) do
    if tonumber(entry[2][4]) >= now - maxAge then table.insert(fresh, entry) end
  end
  entries = fresh
end
return {epoch, top, entries}`);

// A session is a hash: `d` its data (JSON), `r:<room>` each room's position (JSON, null without
// history), and `spent` alone once a resume has taken it.
const SPENT = 'spent';

/** KEYS session; ARGV ttlMs, '1' to overwrite a spent id, data, then room and position pairs. 1, or 0 when spent. */
const SAVE_SESSION = new RedisScript(`if ARGV[2] ~= '1' and redis.call('HEXISTS', KEYS[1], '${SPENT}') == 1 then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'd', ARGV[3])
for i = 4, #ARGV, 2 do redis.call('HSET', KEYS[1], 'r:' .. ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`);

/** KEYS session; ARGV ttlMs, data, room, position ('' when left). 1, 0 when spent, -1 when there is no session. */
const SAVE_SESSION_ROOM = new RedisScript(`if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HEXISTS', KEYS[1], '${SPENT}') == 1 then return 0 end
redis.call('HSET', KEYS[1], 'd', ARGV[2])
if ARGV[4] == '' then redis.call('HDEL', KEYS[1], 'r:' .. ARGV[3]) else redis.call('HSET', KEYS[1], 'r:' .. ARGV[3], ARGV[4]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`);

/** KEYS session; ARGV ttlMs. The session's fields (nil when unknown or spent), the key left spent for ttlMs. */
const TAKE_SESSION = new RedisScript(`if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], '${SPENT}') == 1 then return false end
local fields = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], '${SPENT}', '1')
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return fields`);

const SESSION_WRITES: Record<number, SessionWrite> = { 1: 'saved', 0: 'spent', [-1]: 'absent' };

/** The session record of a hash's fields, [field, value, …]. */
function sessionRecordOf(fields: string[]): SessionRecord {
  const record: SessionRecord = { data: {}, rooms: {} };
  for (let i = 0; i < fields.length; i += 2) {
    const value = JSON.parse(fields[i + 1]) as unknown;
    if (fields[i] === 'd') record.data = value as Record<string, unknown>;
    // Defined, not assigned: a room named "__proto__" is a key like any other.
    else Object.defineProperty(record.rooms, fields[i].slice(2), { value, enumerable: true, writable: true, configurable: true });
  }
  return record;
}

type StreamEntryReply = [Buffer, Buffer[]];

/**
 * Room histories in Redis Streams and sessions in Redis strings, next to the RedisAdapter's keys:
 *
 * ```
 * {<p><n>}r:<room>:hist  STREAM  id <offset>-0, fields p (the codec's bytes of {event, data}) and t (ms, Redis clock); PEXPIRE historyTtlMs
 * {<p><n>}r:<room>:meta  HASH    epoch, offset (the newest); PEXPIRE metaTtlMs (30 days or more)
 * <p>session:<id>        HASH    d (data, JSON), r:<room> (position, JSON) for each room; only `spent` once taken; a TTL
 * ```
 */
export class RedisHistory implements HistoryBackend {
  /** What this node delivered of each room, and the filling of a gap after a silent subscriber. */
  readonly gaps: RetainedGaps;

  constructor(
    private readonly context: HistoryBackendContext,
    private readonly link: RedisHistoryLink,
    /** This node's members of a room. */
    private readonly membersOf: (room: string) => Iterable<string>,
  ) {
    const { delivery } = context;
    this.gaps = new RetainedGaps({
      read: (room, afterOffset) => this.read(room, afterOffset),
      frameOf: (room, epoch, entry) => this.frameOf(room, epoch, entry),
      deliver: ({ room, offset, frame, except }) => delivery.deliver(room, offset, frame, this.membersOf(room), except),
      hasMembers: (room) => !this.membersOf(room)[Symbol.iterator]().next().done,
    });
  }

  async append(room: string, event: string, data: unknown, except: ReadonlySet<string>): Promise<StreamPosition> {
    const { delivery, options } = this.context;
    const payload = delivery.payload(event, data);
    const client = this.link.client();
    if (!client) return this.unavailable(room, event, data, except);
    const header = JSON.stringify(except.size > 0 ? { r: room, x: [...except] } : { r: room });
    const mark = String.fromCharCode(typeof payload === 'string' ? RETAINED_TEXT_MARK : RETAINED_BINARY_MARK);
    let reply: [number, Buffer];
    try {
      reply = (await APPEND.runBuffer(client, [...this.keys(room), this.link.names.roomChannel(room)], [
        newEpoch(),
        mark,
        header,
        payload,
        options.maxMessages,
        options.maxAgeMs,
        this.link.sharded ? 'SPUBLISH' : 'PUBLISH',
        options.historyTtlMs,
        this.metaTtlMs,
        except.size > 0 ? JSON.stringify([...except]) : '',
      ])) as [number, Buffer];
    } catch (error) {
      return this.unavailable(room, event, data, except, error);
    }
    // This node gets its own publication too, and delivers it then: in offset order with the others'.
    return { offset: Number(reply[0]), epoch: reply[1].toString('utf8') };
  }

  async read(room: string, afterOffset: number): Promise<HistoryRead> {
    const reply = (await READ.runBuffer(this.requireClient(), this.keys(room), [afterOffset, this.context.options.maxAgeMs])) as [Buffer, number, StreamEntryReply[]];
    return {
      epoch: reply[0].toString('utf8'),
      top: Number(reply[1]),
      entries: reply[2].map(([id, fields]) => ({
        offset: Number.parseInt(id.toString('latin1'), 10),
        payload: fields[1],
        // Fields p, t, then x when some members were excepted.
        except: fields.length > 5 ? (JSON.parse(fields[5].toString('utf8')) as string[]) : undefined,
      })),
    };
  }

  async position(room: string): Promise<StreamPosition> {
    const reply = (await POSITION.run(this.requireClient(), this.keys(room), [newEpoch(), this.context.options.historyTtlMs, this.metaTtlMs])) as [string, number];
    return { epoch: reply[0], offset: Number(reply[1]) };
  }

  frameOf(room: string, epoch: string, entry: RetainedEntry): Buffer {
    return this.context.delivery.frameFromPayload(entry.payload, room, entry.offset, epoch);
  }

  /** A retained message from a room's channel: delivered to this node's members, encoded once. */
  receive(bytes: Buffer): void {
    const firstNewline = bytes.indexOf(NEWLINE, 1);
    const secondNewline = bytes.indexOf(NEWLINE, firstNewline + 1);
    const thirdNewline = bytes.indexOf(NEWLINE, secondNewline + 1);
    if (thirdNewline < 0) throw new Error('retained message without its header');
    const offset = Number(bytes.toString('latin1', 1, firstNewline));
    const epoch = bytes.toString('latin1', firstNewline + 1, secondNewline);
    const header = JSON.parse(bytes.toString('utf8', secondNewline + 1, thirdNewline)) as { r: string; x?: string[] };
    const body = bytes.subarray(thirdNewline + 1);
    const payload = bytes[0] === RETAINED_TEXT_MARK ? body.toString('utf8') : body;
    const frame = this.context.delivery.frameFromPayload(payload, header.r, offset, epoch);
    this.gaps.receive({ room: header.r, offset, epoch, frame, except: header.x ? new Set(header.x) : NOBODY });
  }

  /** The subscriber went silent: messages may be missing; fill them in from the streams once it is back. */
  fillGap(resubscribed: Promise<boolean>): Promise<void> {
    return this.gaps.fill(resubscribed);
  }

  saveSession(id: string, record: SessionRecord, ttlMs: number): Promise<SessionWrite> {
    return this.writeSession(id, record, ttlMs, false);
  }

  async saveSessionRoom(id: string, room: string, position: StreamPosition | null | undefined, data: Record<string, unknown>, ttlMs: number): Promise<SessionWrite> {
    const reply = await SAVE_SESSION_ROOM.run(this.requireClient(), [this.sessionKey(id)], [ttlMs, JSON.stringify(data), room, position === undefined ? '' : JSON.stringify(position)]);
    return SESSION_WRITES[Number(reply)];
  }

  async takeSession(id: string): Promise<SessionRecord | undefined> {
    const fields = await TAKE_SESSION.run(this.requireClient(), [this.sessionKey(id)], [this.context.options.sessionTtlMs]);
    return Array.isArray(fields) ? sessionRecordOf(fields as string[]) : undefined;
  }

  async returnSession(id: string, record: SessionRecord, ttlMs: number): Promise<void> {
    await this.writeSession(id, record, ttlMs, true);
  }

  async touchSessions(ids: readonly string[], ttlMs: number): Promise<void> {
    const client = this.link.client();
    if (!client || ids.length === 0) return;
    await pipelineBySlot(client, ids, (id) => this.sessionKey(id), (pipeline, id) => pipeline.pexpire(this.sessionKey(id), ttlMs));
  }

  /** Keys of a room's history: the stream and its meta hash. */
  keys(room: string): [string, string] {
    const { stream, meta } = this.link.names.roomHistory(room);
    return [stream, meta];
  }

  /**
   * The meta hash (epoch, newest offset) outlives the stream by far: a client coming back after the
   * stream expired learns recovered: false in the same epoch, and offsets never restart under an
   * epoch a client still holds. 30 days (Centrifugo's default history meta TTL), or twice
   * historyTtlMs when that is longer; none when the history is kept forever (historyTtlMs 0).
   */
  private get metaTtlMs(): number {
    const { historyTtlMs } = this.context.options;
    return historyTtlMs === 0 ? 0 : Math.max(HISTORY_META_TTL_MS, 2 * historyTtlMs);
  }

  private sessionKey(id: string): string {
    return this.link.names.session(id);
  }

  private async writeSession(id: string, record: SessionRecord, ttlMs: number, isReturn: boolean): Promise<SessionWrite> {
    const rooms = Object.entries(record.rooms).flatMap(([room, position]) => [room, JSON.stringify(position)]);
    const reply = await SAVE_SESSION.run(this.requireClient(), [this.sessionKey(id)], [ttlMs, isReturn ? '1' : '0', JSON.stringify(record.data), ...rooms]);
    return SESSION_WRITES[Number(reply)];
  }

  /** Redis cannot take it: this node's members still get it (without an offset), and the publisher learns it was not retained. */
  private unavailable(room: string, event: string, data: unknown, except: ReadonlySet<string>, cause?: unknown): never {
    const { delivery } = this.context;
    const frame = delivery.plainFrame(event, data);
    for (const id of this.membersOf(room)) if (!except.has(id)) delivery.sendTo(id, frame);
    throw new HistoryUnavailableError(`room ${room}: the message was not retained (${cause instanceof Error ? cause.message : 'Redis is unreachable'})`);
  }

  private requireClient(): RedisCommandClient {
    const client = this.link.client();
    if (!client) throw new HistoryUnavailableError('Redis is unreachable');
    return client;
  }
}
