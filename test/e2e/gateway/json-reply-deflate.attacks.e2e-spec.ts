import { INestApplication, Module, PipeTransform } from '@nestjs/common';
import fc from 'fast-check';
import { Gateway, MessageBody, OnMessage, WebSocketModule } from '../../../lib';
import { startApp } from '../../fixtures/gateways/test-app';
import { WsTestClient } from '../../helpers/ws-test-client';

// Outside attack (s5-AD): the JSON codec's verbatim reply (a data string written back around the
// text it came in) through real gateways, deflate off, on alone (windows 9 and 15) and on with
// context takeover: every reply is byte for byte JSON.stringify's, in order, whatever the handler
// or pipe makes of the string.

const upper: PipeTransform = { transform: (value: unknown) => (typeof value === 'string' ? value.toUpperCase() : value) };

@Gateway({ path: '/plain' })
class PlainGateway {
  @OnMessage('echo')
  echo(@MessageBody() body: unknown): unknown {
    return body;
  }

  @OnMessage('wrap')
  wrap(@MessageBody() body: unknown): unknown {
    return { inner: body, again: body };
  }

  @OnMessage('rebuilt')
  rebuilt(@MessageBody() body: unknown): unknown {
    return typeof body === 'string' ? Array.from(body).join('') : body;
  }

  @OnMessage('upper')
  upper(@MessageBody(upper) body: unknown): unknown {
    return body;
  }
}

@Gateway({ path: '/alone-9', perMessageDeflate: { serverMaxWindowBits: 9, thresholdBytes: 0 } })
class Alone9Gateway extends PlainGateway {}

@Gateway({ path: '/alone-15', perMessageDeflate: { thresholdBytes: 0 } })
class Alone15Gateway extends PlainGateway {}

@Gateway({ path: '/takeover', perMessageDeflate: { serverNoContextTakeover: false, clientNoContextTakeover: false, thresholdBytes: 0 } })
class TakeoverGateway extends PlainGateway {}

@Module({ imports: [WebSocketModule.forRoot({})], providers: [PlainGateway, Alone9Gateway, Alone15Gateway, TakeoverGateway] })
class AttackModule {}

const EVENTS = ['echo', 'wrap', 'rebuilt', 'upper'] as const;
const expectedReply = (event: (typeof EVENTS)[number], data: unknown, id: number): string => {
  const reply = new PlainGateway()[event](event === 'upper' ? upper.transform(data, { type: 'body' }) : data);
  return JSON.stringify({ event, data: reply, id });
};

jest.setTimeout(60_000);

describe('JSON replies carrying back the data string, deflate off and on', () => {
  let app: INestApplication;
  let wsUrl: (path: string) => string;

  beforeAll(async () => {
    ({ app, wsUrl } = await startApp(AttackModule));
  });

  afterAll(async () => {
    await app?.close();
  });

  const unit = fc.constantFrom('a', 'Z', ' ', '"', '\\', '\u0000', '\u001f', '\u2028', '\ud800', '\udfff', '😀', 'é', '\u007f', '/', '<');
  const data = fc.oneof(
    fc.string({ unit, minLength: 256, maxLength: 2000 }),
    fc.string({ unit: fc.constantFrom('a', 'é', '😀', '\u2028', ' '), minLength: 256, maxLength: 20_000 }),
    fc.string({ unit: 'binary', maxLength: 400 }),
    fc.constantFrom<unknown>(null, 0, -0, 1e21, true, { a: 'x'.repeat(300) }, ['y'.repeat(300)]),
  );

  it.each(['/plain', '/alone-9', '/alone-15', '/takeover'])('%s: 60 pipelined requests, each reply exactly JSON.stringify of it, in order where no pipe intervenes', async (path) => {
    const samples = fc.sample(fc.tuple(fc.constantFrom(...EVENTS), data), { numRuns: 60, seed: 17 });
    const client = await WsTestClient.connect(wsUrl(path), { perMessageDeflate: path !== '/plain' });
    try {
      // The same message twice in a row too: a reply equal to the remembered string, then one after another message.
      await Promise.all(samples.map(([event, value], id) => client.sendEvent(event, value, id)));
      const replies: string[] = [];
      for (let i = 0; i < samples.length; i++) replies.push(String((await client.nextMessage()).data));
      const expected = samples.map(([event, value], id) => expectedReply(event, JSON.parse(JSON.stringify({ v: value })).v, id));
      // A handler behind a pipe answers after the pipe's turn (any transport, deflate or not): compared by id,
      // and the replies of the handlers without one in the order their requests were sent.
      const idOf = (reply: string): number => (JSON.parse(reply) as { id: number }).id;
      expect([...replies].sort((a, b) => idOf(a) - idOf(b))).toEqual(expected);
      const isPiped = (reply: string): boolean => reply.startsWith('{"event":"upper"');
      expect(replies.filter((reply) => !isPiped(reply))).toEqual(expected.filter((reply) => !isPiped(reply)));
    } finally {
      await client.close();
    }
  });
});
