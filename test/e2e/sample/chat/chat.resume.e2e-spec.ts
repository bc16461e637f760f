// ws /chat keeps history for every room (DESIGN.md, "Wire contract: the sample app"): a client
// that drops resumes with `$resume` and gets exactly what it missed, in order.
import { Envelope, EnvelopeClient } from '../../../helpers/envelope-client';
import { retainedIn, useSampleApp } from '../../../helpers/sample-suite';

interface Position {
  offset: number;
  epoch: string;
}

const positionOf = (envelope: Envelope): Position => {
  const { offset, epoch } = envelope as Envelope & Partial<Position>;
  if (typeof offset !== 'number' || typeof epoch !== 'string') throw new Error(`no position in ${JSON.stringify(envelope)}`);
  return { offset, epoch };
};

describe('ws /chat resumes', () => {
  const suite = useSampleApp();

  /** A /chat client and the session id of its `$session` push. */
  const connectChat = async (): Promise<{ client: EnvelopeClient; session: string }> => {
    const client = await suite.connect('/chat');
    const { data } = await client.next('$session');
    return { client, session: (data as { id: string }).id };
  };

  it('gives a client that dropped exactly the messages it missed, in order, back in its room without a join', async () => {
    const ada = await suite.joinChat('resume-room', 'ada');
    const { client: bob, session } = await connectChat();
    await bob.request('join', { room: 'resume-room', name: 'bob' });
    await ada.next('joined'); // bob's arrival
    ada.send('say', { room: 'resume-room', text: 'before' });
    const lastSeen = await bob.next('said');
    await ada.next('said');

    bob.socket.terminate();
    await ada.next('left');
    for (const text of ['one', 'two', 'three']) {
      ada.send('say', { room: 'resume-room', text });
      await ada.next('said');
    }
    const { client: back, session: newest } = await connectChat();
    const reply = await back.request('$resume', { session, rooms: { 'chat:resume-room': positionOf(lastSeen) } });
    const replayed = back.unreadEnvelopes();
    back.send('say', { room: 'resume-room', text: 'back again' });

    expect(reply).toMatchObject({ data: { session: newest, restored: true, rooms: { 'chat:resume-room': { recovered: true, replayed: 4 } } } });
    expect(replayed).toEqual([
      { event: 'left', data: { room: 'resume-room', name: 'bob' }, ...retainedIn('resume-room') },
      ...['one', 'two', 'three'].map((text) => ({ event: 'said', data: { room: 'resume-room', from: 'ada', text, at: expect.any(String) }, ...retainedIn('resume-room') })),
    ]);
    expect(await ada.next('said')).toMatchObject({ data: { from: 'bob', text: 'back again' } });
  });

  it.each(['/echo', '/bench'])('gives %s connections no session: only /chat has them', async (path) => {
    const client = await suite.connect(path);

    client.send('echo', 'probe'); // /echo sends it back as it is, /bench answers echo with its data
    await client.next('echo');

    expect(client.unreadEnvelopes('$session')).toEqual([]);
  });
});
