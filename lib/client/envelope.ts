// The client's side of the wire contract (DESIGN.md): {"event","data","id"} in text frames. The shapes
// and reserved names are lib/wire's, shared with the server; the browser build takes lib/wire along.
import { Envelope, isAckId, RequestId } from '../wire/envelope';

export type { Envelope as ClientEnvelope, ErrorBody, RequestId as ClientRequestId } from '../wire/envelope';
export { errorBodyOf, isAckId } from '../wire/envelope';
export { AUTH_EVENT, ERROR_EVENT, RESUME_EVENT, SESSION_EVENT } from '../wire/reserved-events';
export { MAX_RESUME_ROOMS } from '../wire/resume';
export type { ResumeReply, RoomPosition, RoomRecovery } from '../wire/resume';

export function encodeEnvelope(event: string, data: unknown, id?: RequestId): string {
  return JSON.stringify(id === undefined ? { event, data } : { event, data, id });
}

/** The envelope a text message carries, or undefined when it is not one. */
export function decodeEnvelope(text: string): Envelope | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || typeof (parsed as Envelope).event !== 'string') return undefined;
  const { id, ack } = parsed as Envelope;
  if (id !== undefined && typeof id !== 'string' && typeof id !== 'number') return undefined;
  if (ack !== undefined && !isAckId(ack)) return undefined;
  return parsed as Envelope;
}
