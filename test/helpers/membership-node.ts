// One node of the membership suites in this process: the /members gateway over an adapter, with
// its Rooms and ConnectionRegistry, and clients whose server-side connection the test holds.
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AddressInfo } from 'node:net';
import { ConnectionRegistry, Rooms, RoomsAdapter, WsConnection } from '../../lib';
import { MembershipModule } from '../fixtures/gateways/membership.gateway';
import { TestEnvelope, waitUntil, WsTestClient } from './ws-test-client';

/** A client, its server-side connection, and every envelope it received. */
export interface Subject {
  client: WsTestClient;
  connection: WsConnection;
  id: string;
  received: TestEnvelope[];
}

/** A presence event about one connection in one room. */
export const isPresence =
  (action: 'join' | 'leave', id: string, room: string) =>
  (envelope: TestEnvelope): boolean => {
    const data = envelope.data as { action?: string; id?: string; room?: string } | undefined;
    return envelope.event === 'presence' && data?.action === action && data.id === id && data.room === room;
  };

export class MembershipNode {
  readonly rooms: Rooms;
  readonly registry: ConnectionRegistry;
  private readonly clients = new Set<WsTestClient>();

  private constructor(
    readonly app: INestApplication,
    private readonly url: string,
  ) {
    this.rooms = app.get(Rooms);
    this.registry = app.get(ConnectionRegistry);
  }

  static async start(adapter?: RoomsAdapter): Promise<MembershipNode> {
    const app = await NestFactory.create(MembershipModule.over(adapter), { logger: false });
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    return new MembershipNode(app, `ws://127.0.0.1:${port}/members`);
  }

  async connect(): Promise<Subject> {
    const client = await WsTestClient.connect(this.url);
    this.clients.add(client);
    client.socket.once('close', () => this.clients.delete(client));
    const received: TestEnvelope[] = [];
    client.socket.on('message', (data, isBinary) => {
      if (!isBinary) received.push(JSON.parse(String(data)) as TestEnvelope);
    });
    const { data: id } = await client.request<string>('whoami');
    const connection = this.registry.get(id as string);
    if (!connection) throw new Error(`connection ${String(id)} is not in the registry`);
    return { client, connection, id: connection.id, received };
  }

  /**
   * Closes the client and resolves once this node forgot the connection: out of the registry, and
   * out of every room (the disconnect cleanup ran to its end). Pass a room it is in.
   */
  async closeAndForget(subject: Subject, room: string): Promise<void> {
    await subject.client.close();
    await waitUntil(
      async () => this.registry.get(subject.id) === undefined && !(await this.rooms.members(room)).includes(subject.id),
      () => `connection ${subject.id} is still registered or in ${room} after its close`,
    );
  }

  /** Closes the clients still open, then the application. */
  async stop(): Promise<void> {
    await Promise.all([...this.clients].map((client) => client.close().catch(() => client.terminate())));
    await this.app.close();
  }
}
