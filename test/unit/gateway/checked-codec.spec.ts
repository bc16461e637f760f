import { Test } from '@nestjs/testing';
import { ConnectionRegistry, EventCodec, JsonEventCodec, Rooms, WebSocketModule } from '../../../lib';
import { checkedCodec, codecName } from '../../../lib/gateway/checked-codec';
import { CodecPoison, FaultyCodec } from '../../fixtures/gateways/misbehaving';

/** The codec's reply to CodecPoison.wrongType is a number: one TypeError naming the codec. */
function expectWrongType(call: () => unknown): void {
  let thrown: unknown;
  try {
    call();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(TypeError);
  expect((thrown as TypeError).message).toBe('FaultyCodec.encode returned number, not a string or a Buffer');
}

describe('checkedCodec', () => {
  it('leaves the default codec as it is and wraps a checked codec only once', () => {
    const json = new JsonEventCodec();
    const checked = checkedCodec(new FaultyCodec());

    expect(checkedCodec(json)).toBe(json);
    expect(checkedCodec(checked)).toBe(checked);
    expect(codecName(checkedCodec(checked))).toBe('FaultyCodec');
  });

  describe("as the module's EventCodec, which broadcasts and the registry encode with", () => {
    let rooms: Rooms;
    let registry: ConnectionRegistry;

    beforeAll(async () => {
      const moduleRef = await Test.createTestingModule({ imports: [WebSocketModule.forRoot({ codec: new FaultyCodec() })] }).compile();
      rooms = moduleRef.get(Rooms);
      registry = moduleRef.get(ConnectionRegistry);
      expect(codecName(moduleRef.get<EventCodec>(EventCodec))).toBe('FaultyCodec');
    });

    it('throws a TypeError naming the codec when a broadcast encodes to neither a string nor a Buffer', () => {
      expectWrongType(() => rooms.to('lobby').send(CodecPoison.wrongType));
    });

    it('throws the same TypeError from registry.send() and sendToTag()', () => {
      expectWrongType(() => registry.send('some-id', CodecPoison.wrongType));
      expectWrongType(() => registry.sendToTag('user:1', CodecPoison.wrongType));
    });
  });
});
