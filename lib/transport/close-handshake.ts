import { ReadyState } from './connection-events';

/**
 * The closing handshake of one connection (RFC 6455 §7), sans-I/O: `closeTransition` decides the
 * next state and what to do; Connection does the I/O in the order of the action bits.
 *
 * Open ─close()→ CloseSent ─peer close frame→ CloseExchanged (end TCP, the server does: §7.1.1)
 * Open ─peer close frame→ echo it (§5.5.1), end TCP → CloseExchanged
 * Open ─fail (§7.1.7)→ send our close frame, end TCP → CloseSent
 * Open ─peer FIN→ end TCP → ClosingUnsent ─fail→ CloseSent;   ClosingUnsent ─peer close frame→ echo it → CloseExchanged
 * Open, ClosingUnsent, CloseSent ─terminate()→ destroy → Terminated, which waits for the socket's close
 *   only: a close frame read after it completes no handshake (ours never leaves), so it is not clean
 * any but Closed ─socket close→ Closed (clean only from CloseExchanged, §7.1.4); Closed takes nothing more.
 * Our close frame arms the close timer when it leaves; a peer close frame or FIN arms it at once (§7.1.1).
 */
export enum CloseState {
  Open,
  /** Closing after the peer's FIN, our close frame not sent. */
  ClosingUnsent,
  /** Our close frame is sent (or waits behind compressions); the peer's has not come. */
  CloseSent,
  /** Both close frames exchanged. */
  CloseExchanged,
  /** terminate() destroyed the socket before the handshake completed. */
  Terminated,
  /** The socket has closed. */
  Closed,
}

export enum CloseInput {
  /** close(): start the closing handshake (§7.1.2). */
  AppClose,
  /** terminate(): destroy the socket, no handshake. */
  Terminate,
  PeerCloseFrame,
  /** Fail the WebSocket connection (§7.1.7): a protocol error, a slow consumer, our own fault. */
  Fail,
  /** The peer ended TCP. */
  PeerEnd,
  SocketClose,
}

/** What Connection does on a transition, in this order (sending first: an unsendable code throws before anything changed). */
export enum CloseAction {
  None = 0,
  /** Keep the peer's code and reason for the close event. */
  RecordPeerClose = 1,
  /** Send our close frame: the code asked for, the one failing, or the peer's echoed. */
  SendClose = 2,
  /** End TCP after what is still queued (§7.1.1: the server ends it first). */
  EndTcp = 4,
  ArmCloseTimer = 8,
  DestroySocket = 16,
  /** Report the close event. */
  ReportClosed = 32,
}

export interface CloseTransition {
  readonly next: CloseState;
  readonly actions: number;
}

const step = (next: CloseState, actions: number): CloseTransition => ({ next, actions });
const { RecordPeerClose, SendClose, EndTcp, ArmCloseTimer, DestroySocket, ReportClosed } = CloseAction;
const closed = step(CloseState.Closed, ReportClosed);
const ignored = (state: CloseState): CloseTransition => step(state, CloseAction.None);

/** Once closing, the events that are not our own close frame's. */
const closingSteps = (state: CloseState, hasSentClose: boolean): readonly CloseTransition[] => {
  const sendUnlessSent = hasSentClose ? 0 : SendClose;
  const afterFail = hasSentClose ? state : CloseState.CloseSent;
  // A completed handshake stays complete when the socket is destroyed while TCP closes.
  const afterTerminate = state === CloseState.CloseExchanged ? state : CloseState.Terminated;
  return [
    ignored(state),
    step(afterTerminate, DestroySocket),
    step(CloseState.CloseExchanged, RecordPeerClose | sendUnlessSent | EndTcp | ArmCloseTimer),
    step(afterFail, sendUnlessSent | EndTcp),
    step(state, EndTcp | ArmCloseTimer),
    closed,
  ];
};

/** [state][input], built once: a transition allocates nothing. */
const TRANSITIONS: readonly (readonly CloseTransition[])[] = [
  [
    step(CloseState.CloseSent, SendClose),
    step(CloseState.Terminated, DestroySocket),
    step(CloseState.CloseExchanged, RecordPeerClose | SendClose | EndTcp | ArmCloseTimer),
    step(CloseState.CloseSent, SendClose | EndTcp),
    step(CloseState.ClosingUnsent, EndTcp | ArmCloseTimer),
    closed,
  ],
  closingSteps(CloseState.ClosingUnsent, false),
  closingSteps(CloseState.CloseSent, true),
  closingSteps(CloseState.CloseExchanged, true),
  [...Array.from({ length: CloseInput.SocketClose }, () => ignored(CloseState.Terminated)), closed],
  Array.from({ length: CloseInput.SocketClose + 1 }, () => ignored(CloseState.Closed)),
];

export const closeTransition = (state: CloseState, input: CloseInput): CloseTransition => TRANSITIONS[state][input];

/** The browser API's readyState for a close state. */
export const readyStateOf = (state: CloseState): ReadyState =>
  state === CloseState.Open ? ReadyState.Open : state === CloseState.Closed ? ReadyState.Closed : ReadyState.Closing;
