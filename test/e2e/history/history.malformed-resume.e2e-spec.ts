// A `$resume` whose data is not {session: string, rooms?: {room: {offset, epoch}}} is answered
// BAD_MESSAGE (DESIGN.md: malformed input gets an error envelope), never read as something else.
import { HistoryAppServer, startHistoryApp } from './history-app-server';
import { ResumingClient } from './resuming-client';

const position = { offset: 1, epoch: 'e' };
const manyRooms = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`h:${i}`, position]));

// [what is wrong, the data of $resume, a part of the answer's message]
const MALFORMED: [string, unknown, string][] = [
  ['no data', undefined, '$resume takes {session, rooms?}'],
  ['data that is a string', 'x', '$resume takes {session, rooms?}'],
  ['data that is an array', ['x'], '$resume takes {session, rooms?}'],
  ['no session', { rooms: {} }, 'session must be'],
  ['a session that is a number', { session: 42 }, 'session must be'],
  ['a session that is an object', { session: { id: 'x' } }, 'session must be'],
  ['a session that is null', { session: null }, 'session must be'],
  ['an empty session', { session: '' }, 'session must be'],
  ['a session of 10 000 characters', { session: 's'.repeat(10_000) }, 'session must be'],
  ['rooms that are a string', { session: 'x', rooms: 'x' }, 'rooms must be'],
  ['rooms that are an array', { session: 'x', rooms: [position] }, 'rooms must be'],
  ['rooms that are null', { session: 'x', rooms: null }, 'rooms must be'],
  ['a position that is a string', { session: 'x', rooms: { 'h:a': 'x' } }, 'rooms["h:a"] must be'],
  ['a position that is null', { session: 'x', rooms: { 'h:a': null } }, 'rooms["h:a"] must be'],
  ['a negative offset', { session: 'x', rooms: { 'h:a': { offset: -1, epoch: 'e' } } }, 'rooms["h:a"] must be'],
  ['an offset that is not an integer', { session: 'x', rooms: { 'h:a': { offset: 1.5, epoch: 'e' } } }, 'rooms["h:a"] must be'],
  ['an offset beyond 2^53', { session: 'x', rooms: { 'h:a': { offset: 1e300, epoch: 'e' } } }, 'rooms["h:a"] must be'],
  ['an offset that is a string', { session: 'x', rooms: { 'h:a': { offset: '1', epoch: 'e' } } }, 'rooms["h:a"] must be'],
  ['no offset', { session: 'x', rooms: { 'h:a': { epoch: 'e' } } }, 'rooms["h:a"] must be'],
  ['an epoch that is a number', { session: 'x', rooms: { 'h:a': { offset: 1, epoch: 7 } } }, 'rooms["h:a"] must be'],
  ['no epoch', { session: 'x', rooms: { 'h:a': { offset: 1 } } }, 'rooms["h:a"] must be'],
  ['1001 rooms', { session: 'x', rooms: manyRooms }, 'at most 1000 rooms'],
];

describe('a malformed $resume', () => {
  let server: HistoryAppServer;
  const clients: ResumingClient[] = [];

  beforeAll(async () => {
    server = await startHistoryApp({});
  });

  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  afterAll(async () => {
    await server?.app.close();
  });

  it.each(MALFORMED)('is answered BAD_MESSAGE for %s, joins nothing and keeps the connection open', async (_what, data, reason) => {
    // The owner of a real session sends it, so a wrongly accepted request would restore something.
    const owner = await ResumingClient.connect(server.url);
    clients.push(owner);
    await owner.request('join', { room: 'h:a' });
    const client = await ResumingClient.connect(server.url);
    clients.push(client);
    const withSession = typeof data === 'object' && data !== null && 'session' in data && data.session === 'x' ? { ...data, session: owner.session } : data;

    await client.request('$resume', withSession);

    expect(client.received.find((envelope) => envelope.event === 'error')).toEqual({
      event: 'error',
      data: { event: '$resume', code: 'BAD_MESSAGE', message: expect.stringContaining(reason) },
      id: 1,
    });
    expect(await client.request('whoami')).toMatchObject({ rooms: [] });
  });

  it('restores an id that is well formed but unknown as restored: false, not BAD_MESSAGE', async () => {
    const client = await ResumingClient.connect(server.url);
    clients.push(client);

    expect(await client.resume('no-such-session', { 'h:a': position })).toEqual({
      session: client.session,
      restored: false,
      rooms: { 'h:a': { recovered: false, epoch: '', offset: 0, replayed: 0 } },
    });
  });
});
