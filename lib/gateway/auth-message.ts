import { EventCodec } from '../codec/event-codec.interface';
import { CloseCode } from '../protocol/close-code';
import { HandshakeRefusal } from '../protocol/handshake-refusal';
import { HandshakeInfo, handshakeInfoOf } from '../session/handshake-info';
import { ReadyState } from '../transport/connection-events';
import { HandshakeRequest } from '../transport/handshake-channel';
import { MessageLink } from '../transport/message-link';
import { ErrorBody, Envelope, RequestId } from '../wire/envelope';
import { AUTH_EVENT, ERROR_EVENT } from '../wire/reserved-events';
import { codeForStatus } from './error-envelope';
import { runHandshakeGuards } from './handshake-guards';
import { HandshakeGuard } from './interfaces/handshake-guard.interface';
import { authMessageMalformed, authMessageMissing, authNotAnswered, authNotCheckedInTime, authTimedOut } from './messages';

/** What the gateway does with a connection its guards let in; the `$auth` answer waits for it (handleConnection included). */
export type AuthAccepted = (transport: MessageLink, request: HandshakeRequest, handshake: HandshakeInfo, data: Record<string, unknown>) => void | Promise<void>;

export interface AuthMessageDeps {
  guards: readonly HandshakeGuard[];
  codec: EventCodec;
  timeoutMs: number;
  /** Logs a guard that threw something other than an HttpException (answered INTERNAL). */
  onGuardFailed(guardName: string, error: unknown): void;
  /** Logs a connection the guards let in that could not start (closed with 1011). */
  onStartFailed(error: unknown): void;
}

/**
 * Gateways with `authMessage`: the handshake guards run on the connection's first message,
 * `{"event":"$auth","data":{…},"id":1}`, instead of on the upgrade request, so credentials never
 * sit in a URL (which proxies and access logs keep). Until the guards let it in, a connection is in
 * no registry, room or broadcast, and no handler sees its messages.
 *
 * waiting ─$auth→ checking ─guards say yes→ accepted (the gateway starts) → `$auth` answered
 * waiting ─anything else, or nothing in timeoutMs→ closed 1008
 * checking ─guards say no→ error envelope answers `$auth`, closed 1008 (1011 when a guard failed)
 * checking ─guards still deciding at timeoutMs→ closed 1008 (guards on the upgrade have the handshake timeout)
 * checking ─another message before the answer→ closed 1008 (the client waits for the answer), but for
 *   the answer to a request handleConnection made once accepted: the gateway settles it
 */
export function awaitAuthMessage(transport: MessageLink, request: HandshakeRequest, deps: AuthMessageDeps, accepted: AuthAccepted): void {
  let isChecking = false;
  let isAccepted = false;
  // One deadline for the message and the guards: a guard that never settles must not hold the socket.
  const timer = setTimeout(() => transport.close(CloseCode.PolicyViolation, isChecking ? authNotCheckedInTime() : authTimedOut()), deps.timeoutMs);
  const stop = (): void => {
    clearTimeout(timer);
    transport.off('message', onMessage);
    transport.off('close', stop);
  };
  const onMessage = (message: string | Buffer): void => {
    if (isChecking) {
      // handleConnection may ask the client (client.request()): its answer is the gateway's to settle.
      if (isAccepted && isAckAnswer(deps.codec, message)) return;
      stop();
      return transport.close(CloseCode.PolicyViolation, authNotAnswered());
    }
    isChecking = true;
    const auth = authOf(deps.codec, message);
    if (!auth.ok) {
      stop();
      return refuse(transport, deps.codec, auth.id, { event: AUTH_EVENT, code: 'BAD_MESSAGE', message: auth.reason }, CloseCode.PolicyViolation);
    }
    const handshake: HandshakeInfo = { ...handshakeInfoOf(request, transport.protocol), auth: auth.data };
    const data: Record<string, unknown> = {};
    void runHandshakeGuards(deps.guards, { request, handshake, data }, deps.onGuardFailed)
      .then((refusal) => {
        if (transport.readyState !== ReadyState.Open) return; // closed meanwhile, or for a message sent too early
        clearTimeout(timer); // decided: handleConnection is not bounded here, as after an upgrade
        if (refusal) return refuse(transport, deps.codec, auth.id, refusalBody(refusal), refusal.status >= 500 ? CloseCode.InternalError : CloseCode.PolicyViolation);
        // Still listening while the gateway starts: a message before the answer closes the connection, as above.
        isAccepted = true;
        return Promise.resolve(accepted(transport, request, handshake, data)).then(() => {
          if (transport.readyState === ReadyState.Open) send(transport, deps.codec, { event: AUTH_EVENT, data: null, id: auth.id });
        });
      })
      .catch((error: unknown) => {
        deps.onStartFailed(error);
        transport.close(CloseCode.InternalError);
      })
      .finally(stop);
  };
  transport.on('message', onMessage);
  transport.once('close', stop);
}

/** An answer to a request of the server's (`{"event","data","ack"}`). */
function isAckAnswer(codec: EventCodec, message: string | Buffer): boolean {
  try {
    const decoded = codec.decode(message);
    return decoded.ok && decoded.envelope.ack !== undefined;
  } catch {
    return false;
  }
}

type AuthRead = { ok: true; id: RequestId | undefined; data: Record<string, unknown> } | { ok: false; id: RequestId | undefined; reason: string };

/** The first message must be `$auth` carrying an object (what `createClient(url, { auth })` sends). */
function authOf(codec: EventCodec, message: string | Buffer): AuthRead {
  let envelope: Envelope;
  try {
    const decoded = codec.decode(message);
    if (!decoded.ok) return { ok: false, id: undefined, reason: authMessageMissing() };
    envelope = decoded.envelope;
  } catch {
    return { ok: false, id: undefined, reason: authMessageMissing() };
  }
  const { event, data, id } = envelope;
  if (event !== AUTH_EVENT) return { ok: false, id, reason: authMessageMissing() };
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { ok: false, id, reason: authMessageMalformed() };
  return { ok: true, id, data: data as Record<string, unknown> };
}

/** A guard's refusal as a handler's exception is answered: 401 → UNAUTHORIZED, 403 → FORBIDDEN; its own failure (500) → INTERNAL. */
function refusalBody({ status, body }: HandshakeRefusal): ErrorBody {
  return { event: AUTH_EVENT, code: status === 500 ? 'INTERNAL' : codeForStatus(status), message: body };
}

function refuse(transport: MessageLink, codec: EventCodec, id: RequestId | undefined, body: ErrorBody, closeCode: CloseCode): void {
  send(transport, codec, { event: ERROR_EVENT, data: body, id });
  // The close reason is the code: a browser shows it, and it fits the 123 bytes §5.5 leaves.
  transport.close(closeCode, body.code);
}

function send(transport: MessageLink, codec: EventCodec, envelope: Envelope): void {
  try {
    transport.send(codec.encode(envelope));
  } catch {
    transport.close(CloseCode.InternalError); // a codec that cannot encode our own envelope: there is no answer to give
  }
}
