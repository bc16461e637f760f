import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Envelope, RequestId } from '../wire/envelope';
import { RESUME_EVENT, SESSION_EVENT } from '../wire/reserved-events';
import { ResumeReply, ResumeRequest, RoomRecovery } from '../wire/resume';
import type { RoomsNode } from '../rooms/rooms-node';
import { FirstEnvelopeOutcome, SessionHooks } from '../session/session-hooks.interface';
import { WsConnection } from '../session/ws-connection';
import { HistoryBackend, SessionRecord, StreamPosition } from './history-backend.interface';
import { ResolvedHistoryOptions } from './history-options.interface';
import { RetainedDelivery } from './retained-delivery';
import { parseResumeRequest } from './resume-request';

interface LiveSession {
  id: string;
  client: WsConnection;
  record: SessionRecord;
}

// With Redis, a frame published just before the replay's read may reach this node after it.
const SEAM_GRACE_MS = 5000;

const newSessionId = (): string => randomBytes(16).toString('base64url');

const PASSED: FirstEnvelopeOutcome = { kind: 'passed' };

/**
 * Sessions and retained rooms (docs/history.md), plugged into the session hooks. Each connection gets a
 * session whose record (data, rooms, join positions) is saved on every change, so it survives
 * its node; a new connection presenting it gets the data and rooms back, and the missed messages.
 */
export class RoomHistory implements SessionHooks {
  private readonly live = new Map<string, LiveSession>();
  private readonly logger = new Logger('RoomHistory');
  /** Keeps the sessions of open connections alive in the backend; runs while there is one. */
  private touchTimer: NodeJS.Timeout | undefined;
  /** Broadcasts to a retained room are appended to its history, which delivers them with their offset. */
  readonly deliversRoom: (room: string) => boolean;

  constructor(
    readonly options: ResolvedHistoryOptions,
    readonly backend: HistoryBackend,
    private readonly delivery: RetainedDelivery,
    private readonly node: Pick<RoomsNode, 'join' | 'leaveAll'>,
  ) {
    this.deliversRoom = options.isRetained;
  }

  /** @internal Sessions of open connections, for leak checks: zero once every connection has closed. */
  get liveSessions(): number {
    return this.live.size;
  }

  coversPath(path: string): boolean {
    return this.options.hasSessions(path);
  }

  deliver(room: string, event: string, data: unknown, except: ReadonlySet<string>): Promise<StreamPosition> {
    return this.backend.append(room, event, data, except);
  }

  /** A connection opened: it gets a session (joins from handleConnection are recorded in it). */
  opened(client: WsConnection): void {
    this.live.set(client.id, { id: newSessionId(), client, record: { data: client.data, rooms: {} } });
    if (this.touchTimer) return;
    this.touchTimer = setInterval(() => void this.touch(), Math.max(1000, this.options.sessionTtlMs / 3));
    this.touchTimer.unref();
  }

  /** handleConnection is done: tell the client its session id. */
  async ready(client: WsConnection): Promise<void> {
    const session = this.live.get(client.id);
    if (!session) return;
    client.send(SESSION_EVENT, { id: session.id });
    await this.save(client.id);
  }

  /** A `$resume` (docs/history.md); any other first envelope is the gateway's. */
  firstEnvelope(client: WsConnection, { event, data, id }: Envelope): FirstEnvelopeOutcome {
    if (event !== RESUME_EVENT) return PASSED;
    const parsed = parseResumeRequest(data);
    if (!parsed.ok) return { kind: 'malformed', reason: parsed.reason };
    return { kind: 'taken', done: this.resume(client, parsed.request, id).then(() => undefined) };
  }

  /** The session records the room, and where its history stood before the join (a resume replays from there). */
  async join(connectionId: string, room: string, join: () => Promise<void>): Promise<void> {
    // Both start in this tick, the position's read first: it is taken before the join takes effect,
    // and the join is in effect for the next message, as without history.
    const [position] = await Promise.all([this.positionBeforeJoin(connectionId, room), join()]);
    // The node joined nothing if the connection closed meanwhile: its session must not claim the room.
    if (position !== undefined && this.delivery.isLocal(connectionId)) await this.joined(connectionId, room, position);
  }

  /** Before a join: where the room's history is, so a resume can replay from there. */
  private async positionBeforeJoin(connectionId: string, room: string): Promise<StreamPosition | null | undefined> {
    if (!this.live.has(connectionId)) return undefined;
    return this.options.isRetained(room) ? this.backend.position(room) : null;
  }

  private async joined(connectionId: string, room: string, position: StreamPosition | null): Promise<void> {
    const session = this.live.get(connectionId);
    if (!session || Object.hasOwn(session.record.rooms, room)) return;
    // Defined, not assigned: a room named "__proto__" is a key like any other.
    Object.defineProperty(session.record.rooms, room, { value: position, enumerable: true, writable: true, configurable: true });
    await this.save(connectionId, room);
  }

  async left(connectionId: string, room?: string): Promise<void> {
    const session = this.live.get(connectionId);
    if (!session) return;
    if (room === undefined) session.record.rooms = {};
    else delete session.record.rooms[room];
    await this.save(connectionId, room);
  }

  /** The connection closed: its session is saved one last time and lives on for sessionTtlMs. */
  async closed(connectionId: string): Promise<void> {
    await this.save(connectionId);
    this.forget(connectionId);
  }

  /**
   * Restores the session's data and rooms on `client`, replays what it missed in each retained
   * room, then lets live frames through: those that arrived meanwhile were held, and the ones the
   * replay already sent are dropped, so there is no gap and no duplicate at the seam. The session
   * moves to the connection's own id: the presented one is taken (once: a second resume with it,
   * or a concurrent one, gets restored: false).
   */
  async resume(client: WsConnection, request: ResumeRequest, requestId?: RequestId): Promise<ResumeReply> {
    const current = this.live.get(client.id);
    // Its own id holds nothing to restore, and taking it would spend the session it is using.
    const stored = current && current.id !== request.session ? await this.backend.takeSession(request.session) : undefined;
    if (!stored || !current || this.live.get(client.id) !== current) return this.notRestored(client, current, request, requestId, stored);
    // What handshake guards and handleConnection set now wins over the stored data.
    client.data = { ...stored.data, ...client.data };
    // The stored join positions win: the session has had each room's messages since then.
    const joinedHere = current.record.rooms;
    const session: LiveSession = { id: current.id, client, record: { data: client.data, rooms: { ...joinedHere, ...stored.rooms } } };
    this.live.set(client.id, session);
    const gate = this.delivery.gates.start(client.id);
    let result: ResumeReply;
    const recoveries: [string, RoomRecovery][] = [];
    try {
      // Join first, read second: a message is then in the read, or held by the gate, or both (dropped once).
      for (const room of Object.keys(session.record.rooms)) {
        await this.node.join(client.id, room);
        if (this.live.get(client.id) !== session) return await this.abandoned(client.id, session);
      }
      for (const [room, joinedAt] of Object.entries(session.record.rooms)) {
        if (!joinedAt) continue;
        const from = this.newer(request.rooms && Object.hasOwn(request.rooms, room) ? request.rooms[room] : undefined, joinedAt);
        const read = await this.backend.read(room, from.offset);
        const first = read.entries[0]?.offset ?? read.top + 1;
        const recovered = read.epoch === from.epoch && first <= from.offset + 1;
        // Joined by this connection before the resume (handleConnection): it got what came after that join live.
        const liveAfter = Object.hasOwn(joinedHere, room) ? joinedHere[room] : null;
        const replayTo = liveAfter?.epoch === read.epoch ? Math.min(liveAfter.offset, read.top) : read.top;
        let replayed = 0;
        for (const entry of read.entries) {
          if (!recovered || entry.offset > replayTo) break;
          client.sendFrame(this.backend.frameOf(room, read.epoch, entry));
          replayed++;
        }
        gate.raiseFloor(room, replayTo);
        recoveries.push([room, { recovered, epoch: read.epoch, offset: read.top, replayed }]);
      }
      result = { session: session.id, restored: true, rooms: Object.fromEntries(recoveries) };
      // The reply comes after the replay and before the held live frames.
      client.sendEnvelope({ event: RESUME_EVENT, data: result, id: requestId });
    } finally {
      for (const frame of gate.open()) client.sendFrame(frame);
      setTimeout(() => this.delivery.gates.end(client.id, gate), SEAM_GRACE_MS).unref();
    }
    await this.save(client.id);
    return result;
  }

  /** Nothing to restore (unknown or expired id, or the connection closed meanwhile): the rooms must be joined again. */
  private async notRestored(
    client: WsConnection,
    current: LiveSession | undefined,
    request: ResumeRequest,
    requestId: RequestId | undefined,
    taken: SessionRecord | undefined,
  ): Promise<ResumeReply> {
    // Taken while the connection closed: put it back, so the client can still resume it elsewhere.
    if (taken) await this.backend.returnSession(request.session, taken, this.options.sessionTtlMs);
    const rooms = Object.fromEntries(
      Object.keys(request.rooms ?? {}).map((room): [string, RoomRecovery] => [room, { recovered: false, epoch: '', offset: 0, replayed: 0 }]),
    );
    const result: ResumeReply = { session: current?.id ?? '', restored: false, rooms };
    client.sendEnvelope({ event: RESUME_EVENT, data: result, id: requestId });
    return result;
  }

  /** The connection closed during the resume: its close saved the session; undo the joins made after its rooms were left. */
  private async abandoned(connectionId: string, session: LiveSession): Promise<ResumeReply> {
    await this.node.leaveAll(connectionId);
    return { session: session.id, restored: false, rooms: {} };
  }

  /** The client's own position when it is in the same epoch, else the one recorded at join. */
  private newer(reported: StreamPosition | undefined, joinedAt: StreamPosition): StreamPosition {
    if (!reported) return joinedAt;
    if (reported.epoch !== joinedAt.epoch) return reported;
    return reported.offset >= joinedAt.offset ? reported : joinedAt;
  }

  /** Saves the session, or only `room` of it when that is all that changed. */
  private async save(connectionId: string, room?: string): Promise<void> {
    const session = this.live.get(connectionId);
    if (!session) return;
    try {
      const { id, record } = session;
      record.data = session.client.data; // handlers may have replaced it
      const ttlMs = this.options.sessionTtlMs;
      let write = room === undefined ? 'absent' : await this.backend.saveSessionRoom(id, room, Object.hasOwn(record.rooms, room) ? record.rooms[room] : undefined, record.data, ttlMs);
      if (write === 'absent') write = await this.backend.saveSession(id, record, ttlMs);
      // A resume took the id while this connection was still open: the session is the resumer's now.
      if (write === 'spent' && this.live.get(connectionId) === session) this.forget(connectionId);
    } catch (error) {
      this.logger.error(`saving session of connection ${connectionId} failed`, error instanceof Error ? error.stack : String(error));
    }
  }

  private forget(connectionId: string): void {
    this.live.delete(connectionId);
    if (this.live.size > 0) return;
    clearInterval(this.touchTimer);
    this.touchTimer = undefined;
  }

  private async touch(): Promise<void> {
    try {
      await this.backend.touchSessions(
        [...this.live.values()].map((session) => session.id),
        this.options.sessionTtlMs,
      );
    } catch (error) {
      this.logger.warn(`refreshing sessions failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
