import { Server } from 'node:net';
import { Server as TlsServer } from 'node:tls';

/** Where a gateway listens: a TCP host and port, or a Unix socket path. */
export interface GatewayAddress {
  host?: string;
  port?: number;
  socketPath?: string;
  isTls: boolean;
}

/** What connectToGateway accepts: a Nest application (INestApplication) or a Node server. */
export type GatewayHost = { getHttpServer(): unknown } | Server;

const notListening = (): Error =>
  new Error('the application is not listening: call `await app.listen(0)` before connecting (app.init() opens no port)');

/** A wildcard address is not one to connect to; its loopback twin is. */
const connectableHost = (address: string): string => (address === '::' ? '::1' : address === '0.0.0.0' ? '127.0.0.1' : address);

/** The address of the app's HTTP server, or of a gateway's own `port`. */
export function gatewayAddressOf(host: GatewayHost, ownPort: number | undefined, isTls: boolean | undefined): GatewayAddress {
  const server = host instanceof Server ? host : host.getHttpServer();
  if (!(server instanceof Server)) throw new Error('getHttpServer() did not return a Node server: connectToGateway needs the app listening on one');
  const tls = isTls ?? server instanceof TlsServer;
  if (ownPort !== undefined) return { host: '127.0.0.1', port: ownPort, isTls: isTls ?? false };
  const address = server.address();
  if (address === null || !server.listening) throw notListening();
  if (typeof address === 'string') return { socketPath: address, isTls: tls };
  return { host: connectableHost(address.address), port: address.port, isTls: tls };
}
