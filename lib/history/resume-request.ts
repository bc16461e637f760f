// One limit for both ends of the wire: the client sends at most this many rooms, the server refuses more.
import { MAX_RESUME_ROOMS, ResumeRequest, RoomPosition } from '../wire/resume';

export type ResumeParse = { ok: true; request: ResumeRequest } | { ok: false; reason: string };

// Session ids are 22 characters (128 bits, base64url); the bound keeps forged ones out of Redis keys.
const MAX_SESSION_CHARS = 128;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const isPosition = (value: unknown): value is RoomPosition =>
  isRecord(value) && Number.isSafeInteger(value.offset) && (value.offset as number) >= 0 && typeof value.epoch === 'string';

/** Checks the `data` of a `$resume`; a reason when it is not `{session: string, rooms?: {room: {offset, epoch}}}`. */
export function parseResumeRequest(data: unknown): ResumeParse {
  if (!isRecord(data)) return { ok: false, reason: '$resume takes {session, rooms?}' };
  const { session, rooms } = data;
  if (typeof session !== 'string' || session.length === 0 || session.length > MAX_SESSION_CHARS) {
    return { ok: false, reason: `$resume: session must be the id of a $session push (1 to ${MAX_SESSION_CHARS} characters)` };
  }
  if (rooms === undefined) return { ok: true, request: { session } };
  if (!isRecord(rooms)) return { ok: false, reason: '$resume: rooms must be an object of room → {offset, epoch}' };
  const entries = Object.entries(rooms);
  if (entries.length > MAX_RESUME_ROOMS) return { ok: false, reason: `$resume: at most ${MAX_RESUME_ROOMS} rooms` };
  for (const [room, position] of entries) {
    if (!isPosition(position)) return { ok: false, reason: `$resume: rooms[${JSON.stringify(room)}] must be {offset: an integer ≥ 0, epoch: a string}` };
  }
  return { ok: true, request: { session, rooms: rooms as Record<string, RoomPosition> } };
}
