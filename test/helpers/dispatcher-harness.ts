// One gateway's GatewayDispatcher in process, without sockets: what its handlers send, log and
// record, for unit tests of dispatch (the direct-call parity, handler timing).
import { Logger, Provider, Type } from '@nestjs/common';
import { ExternalContextCreator } from '@nestjs/core';
import { Test, TestingModule } from '@nestjs/testing';
import { EventEmitter } from 'node:events';
import { JsonEventCodec } from '../../lib/codec/json-event.codec';
import { HandlerDurationRecorder } from '../../lib/observability/handler-durations';
import { GatewayInstruments } from '../../lib/observability/gateway-instruments';
import { WsConnection } from '../../lib/session/ws-connection';
import { Connection, ReadyState } from '../../lib/transport/connection';
import { ErrorLog } from '../../lib/gateway/error-log';
import { GatewayDispatcher } from '../../lib/gateway/gateway.dispatcher';
import { GatewayDefinition, GatewayExplorer } from '../../lib/gateway/gateway.explorer';
import { GatewayMetadataAccessor } from '../../lib/gateway/gateway-metadata.accessor';
import { HandlerPipelineFactory } from '../../lib/gateway/handler-pipeline';
import { InFlight } from '../../lib/gateway/in-flight';
import { DiscoveryModule } from '@nestjs/core';

/** What one connection was sent, and how it was closed, in order. */
export type Sent = { kind: 'message'; data: string | Buffer } | { kind: 'frame'; data: Buffer } | { kind: 'close'; code: number; reason: string };

/** A transport that records instead of writing: enough of Connection for WsConnection and the dispatcher. */
class RecordingTransport extends EventEmitter {
  readonly sent: Sent[] = [];
  readyState = ReadyState.Open;
  readonly protocol = undefined;
  readonly bufferedAmount = 0;

  constructor(readonly id: string) {
    super();
  }

  send(data: string | Buffer): boolean {
    this.sent.push({ kind: 'message', data });
    return true;
  }

  sendFrame(data: Buffer): boolean {
    this.sent.push({ kind: 'frame', data });
    return true;
  }

  close(code: number, reason = ''): void {
    if (this.readyState !== ReadyState.Open) return;
    this.sent.push({ kind: 'close', code, reason });
    this.readyState = ReadyState.Closed;
    this.emit('close', { code, reason, wasClean: true });
  }

  terminate(): void {
    this.close(1006);
  }
}

/** Nest's application context with the gateway providers, explored as the runtime does. */
export async function compileGateways(providers: Provider[]): Promise<{ moduleRef: TestingModule; definitions: GatewayDefinition[] }> {
  const moduleRef = await Test.createTestingModule({ imports: [DiscoveryModule], providers: [GatewayMetadataAccessor, GatewayExplorer, ...providers] }).compile();
  await moduleRef.init();
  return { moduleRef, definitions: moduleRef.get(GatewayExplorer).explore() };
}

export interface DispatcherHarness {
  dispatcher: GatewayDispatcher;
  /** Error lines, with the message of the error they carry. */
  logged: string[];
  /** Each handled message's duration, as the stats were given it. */
  durationsMs: number[];
  /** A new connection to this dispatcher, with the id given (so that two harnesses can be compared). */
  connect(id: string): { connection: WsConnection; sent: Sent[] };
  /** Resolves when no handler run is in flight. */
  whenIdle(): Promise<void>;
}

/**
 * A dispatcher for one gateway of `moduleRef`. `directCall: false` takes the fast path away, so
 * every message goes through Nest's pipeline.
 */
export function dispatcherFor(moduleRef: TestingModule, definition: GatewayDefinition, { directCall }: { directCall: boolean }): DispatcherHarness {
  const pipeline = new HandlerPipelineFactory(moduleRef.get(ExternalContextCreator));
  const compiling: HandlerPipelineFactory = directCall ? pipeline : ({ compile: (...args) => ({ ...pipeline.compile(...args), call: undefined }) } as Pick<HandlerPipelineFactory, 'compile'> as HandlerPipelineFactory);
  const logged: string[] = [];
  const durationsMs: number[] = [];
  const logger = new Logger('harness');
  logger.error = (line: string, stack?: string) => void logged.push(stack === undefined ? line : `${line}: ${stack.split('\n')[0]}`);
  const inFlight = new InFlight();
  const instruments = {
    stats: {
      recorderFor: () => ({}) as HandlerDurationRecorder,
      handled: (_recorder: HandlerDurationRecorder, durationMs: number) => void durationsMs.push(durationMs),
      errorSent: () => undefined,
    },
    tracing: undefined,
  } as unknown as GatewayInstruments;
  const codec = new JsonEventCodec();
  const dispatcher = new GatewayDispatcher(definition, definition.instance, compiling, codec, new ErrorLog(logger), inFlight, instruments);
  return {
    dispatcher,
    logged,
    durationsMs,
    connect(id) {
      const transport = new RecordingTransport(id);
      const handshake = { url: '/', path: '/', query: {}, headers: {}, remoteAddress: '127.0.0.1', protocol: undefined };
      const connection = new WsConnection(transport as unknown as Connection, handshake, definition.metatype.name, codec, {});
      transport.once('close', () => dispatcher.release(connection));
      return { connection, sent: transport.sent };
    },
    whenIdle: () => inFlight.whenIdle(),
  };
}

/** The definition of `metatype` among `definitions`. */
export const definitionOf = (definitions: GatewayDefinition[], metatype: Type): GatewayDefinition => {
  const definition = definitions.find((candidate) => candidate.metatype === metatype);
  if (!definition) throw new Error(`${metatype.name} is not a gateway of this module`);
  return definition;
};
