// Run by optional-peers.e2e-spec.ts in a child process where prom-client, @nestjs/terminus and
// @opentelemetry/api cannot be resolved, as in an application that did not install them.
// Prints one JSON line: what happened.
import Module from 'node:module';

const HIDDEN = /^(prom-client|@nestjs\/terminus|@opentelemetry\/)/;
type Resolve = (request: string, ...rest: unknown[]) => string;
const resolver = Module as unknown as { _resolveFilename: Resolve };
const resolve = resolver._resolveFilename;
resolver._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]): string {
  if (HIDDEN.test(request)) throw Object.assign(new Error(`Cannot find module '${request}'`), { code: 'MODULE_NOT_FOUND' });
  return resolve.call(this, request, ...rest);
};

async function main(): Promise<void> {
  await import('reflect-metadata');
  const { NestFactory } = await import('@nestjs/core');
  const lib = await import('../../../lib');
  const { ObservabilityAppModule } = await import('./observability.fixtures');
  const mode = process.argv[2];
  const options = mode === 'tracing' ? { websocket: { tracing: true } } : mode === 'metrics' ? { metrics: {} } : {};
  try {
    const app = await NestFactory.create(ObservabilityAppModule.with(options), { logger: false, abortOnError: false });
    await app.init();
    const snapshot = await app.get(lib.WebSocketStats).snapshot();
    const health = await app.get(lib.WebSocketHealthIndicator).isHealthy();
    await app.close();
    console.log(JSON.stringify({ started: true, gateways: Object.keys(snapshot.gateways).length, health }));
  } catch (error) {
    console.log(JSON.stringify({ started: false, message: error instanceof Error ? error.message : String(error) }));
  }
}

void main();
