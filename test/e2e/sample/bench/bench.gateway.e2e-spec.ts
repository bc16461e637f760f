// ws /bench (DESIGN.md, "Wire contract: the sample app"): echo, join, broadcast.
import { useSampleApp } from '../../../helpers/sample-suite';

describe('ws /bench', () => {
  const suite = useSampleApp();

  it.each([
    ['a string', 'X'],
    ['a number', 42],
    ['an object', { nested: [1, 'two', null] }],
  ])('replies to echo with %s under the echo event and the request id', async (_label, data) => {
    const client = await suite.connect('/bench');

    expect(await client.request('echo', data)).toEqual({ event: 'echo', data, id: 1 });
  });

  it('replies to echo without an id with the same data and no id', async () => {
    const client = await suite.connect('/bench');

    client.send('echo', 'no id');

    expect(await client.next('echo')).toEqual({ event: 'echo', data: 'no id' });
  });

  it('replies to join with the room it joined', async () => {
    const client = await suite.connect('/bench');

    expect(await client.request('join', 'bench-join')).toEqual({ event: 'join', data: 'bench-join', id: 1 });
  });

  it('sends {"event":"msg","data":payload} to every member of the room on broadcast, and nothing to others', async () => {
    const [first, second, outsider, broadcaster] = await Promise.all([1, 2, 3, 4].map(() => suite.connect('/bench')));
    await first.request('join', 'bench-room');
    await second.request('join', 'bench-room');
    await outsider.request('join', 'bench-other');
    const payload = { seq: 7, body: 'héllo', list: [true, null] };

    broadcaster.send('broadcast', { room: 'bench-room', payload });

    const expected = JSON.stringify({ event: 'msg', data: payload });
    expect((await first.nextReceived('msg')).text).toBe(expected);
    expect((await second.nextReceived('msg')).text).toBe(expected);
    await outsider.settle();
    await broadcaster.settle();
    expect(outsider.unreadEnvelopes()).toEqual([]);
    expect(broadcaster.unreadEnvelopes()).toEqual([]);
  });

  it('includes the sender in a broadcast to a room it is a member of', async () => {
    const member = await suite.connect('/bench');
    await member.request('join', 'bench-self');

    member.send('broadcast', { room: 'bench-self', payload: 'to myself too' });

    expect(await member.next('msg')).toEqual({ event: 'msg', data: 'to myself too' });
  });
});
