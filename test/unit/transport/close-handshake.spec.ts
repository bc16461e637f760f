import { CloseAction, CloseInput, CloseState, closeTransition } from '../../../lib/transport/close-handshake';

const { Open, ClosingUnsent, CloseSent, CloseExchanged, Terminated, Closed } = CloseState;
const { AppClose, Terminate, PeerCloseFrame, Fail, PeerEnd, SocketClose } = CloseInput;
const { None, RecordPeerClose: Record, SendClose: Send, EndTcp: End, ArmCloseTimer: Timer, DestroySocket: Destroy, ReportClosed: Report } = CloseAction;

type Row = [state: CloseState, input: CloseInput, next: CloseState, actions: number];

// Every state × every input (6 × 6): the whole machine, as drawn in close-handshake.ts.
const table: Row[] = [
  [Open, AppClose, CloseSent, Send],
  [Open, Terminate, Terminated, Destroy],
  [Open, PeerCloseFrame, CloseExchanged, Record | Send | End | Timer],
  [Open, Fail, CloseSent, Send | End],
  [Open, PeerEnd, ClosingUnsent, End | Timer],
  [Open, SocketClose, Closed, Report],

  [ClosingUnsent, AppClose, ClosingUnsent, None],
  [ClosingUnsent, Terminate, Terminated, Destroy],
  [ClosingUnsent, PeerCloseFrame, CloseExchanged, Record | Send | End | Timer],
  [ClosingUnsent, Fail, CloseSent, Send | End],
  [ClosingUnsent, PeerEnd, ClosingUnsent, End | Timer],
  [ClosingUnsent, SocketClose, Closed, Report],

  [CloseSent, AppClose, CloseSent, None],
  [CloseSent, Terminate, Terminated, Destroy],
  [CloseSent, PeerCloseFrame, CloseExchanged, Record | End | Timer],
  [CloseSent, Fail, CloseSent, End],
  [CloseSent, PeerEnd, CloseSent, End | Timer],
  [CloseSent, SocketClose, Closed, Report],

  [CloseExchanged, AppClose, CloseExchanged, None],
  [CloseExchanged, Terminate, CloseExchanged, Destroy],
  [CloseExchanged, PeerCloseFrame, CloseExchanged, Record | End | Timer],
  [CloseExchanged, Fail, CloseExchanged, End],
  [CloseExchanged, PeerEnd, CloseExchanged, End | Timer],
  [CloseExchanged, SocketClose, Closed, Report],

  // A close frame after terminate() completes no handshake (connection.terminate.spec.ts).
  [Terminated, AppClose, Terminated, None],
  [Terminated, Terminate, Terminated, None],
  [Terminated, PeerCloseFrame, Terminated, None],
  [Terminated, Fail, Terminated, None],
  [Terminated, PeerEnd, Terminated, None],
  [Terminated, SocketClose, Closed, Report],

  [Closed, AppClose, Closed, None],
  [Closed, Terminate, Closed, None],
  [Closed, PeerCloseFrame, Closed, None],
  [Closed, Fail, Closed, None],
  [Closed, PeerEnd, Closed, None],
  [Closed, SocketClose, Closed, None],
];

const name = (actions: number): string =>
  Object.entries(CloseAction)
    .filter(([, bit]) => typeof bit === 'number' && bit !== 0 && (actions & bit) === bit)
    .map(([key]) => key)
    .join(' | ') || 'None';

describe('closeTransition', () => {
  it('has one row per state and input', () => {
    const cells = new Set(table.map(([state, input]) => `${state}/${input}`));
    expect(cells.size).toBe(6 * 6);
  });

  it.each(table.map(([state, input, next, actions]) => [CloseState[state], CloseInput[input], CloseState[next], name(actions), state, input, next, actions] as const))(
    '%s on %s goes to %s doing %s',
    (_s, _i, _n, _a, state, input, next, actions) => {
      const transition = closeTransition(state, input);
      expect({ next: CloseState[transition.next], actions: name(transition.actions) }).toEqual({ next: CloseState[next], actions: name(actions) });
    },
  );

  it('sends at most one close frame whatever the events (§5.5.1)', () => {
    const inputs = [AppClose, Terminate, PeerCloseFrame, Fail, PeerEnd, SocketClose];
    // Every sequence of three inputs from Open.
    for (const a of inputs) for (const b of inputs) for (const c of inputs) {
      let state = Open;
      let sends = 0;
      for (const input of [a, b, c]) {
        const { next, actions } = closeTransition(state, input);
        if (actions & Send) sends++;
        state = next;
      }
      expect(sends).toBeLessThanOrEqual(1);
    }
  });

  it('allocates nothing: the same transition object each time', () => {
    expect(closeTransition(Open, Fail)).toBe(closeTransition(Open, Fail));
  });
});
