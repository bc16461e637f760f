// `logLevels`: the library's lines go through Nest's Logger (here a LoggerService that records
// them), filtered by the module's levels on top of the application's.
import { LoggerService } from '@nestjs/common';
import { EnvelopeClient } from '../../helpers/envelope-client';
import { WsTestClient } from '../../helpers/ws-test-client';
import { startApp } from '../../fixtures/gateways/test-app';
import { Disconnects, ObservabilityAppModule } from './observability.fixtures';

/** Every line the application logs, as `level [context] message`. */
class RecordingLogger implements LoggerService {
  readonly lines: string[] = [];

  log(message: unknown, context?: string): void {
    this.lines.push(`log [${context}] ${String(message)}`);
  }

  error(message: unknown, _stack?: string, context?: string): void {
    this.lines.push(`error [${context}] ${String(message)}`);
  }

  warn(message: unknown, context?: string): void {
    this.lines.push(`warn [${context}] ${String(message)}`);
  }

  debug(message: unknown, context?: string): void {
    this.lines.push(`debug [${context}] ${String(message)}`);
  }
}

describe('logLevels', () => {
  /** Starts the app with `logLevels`, refuses one handshake and closes one connection, then returns the WebSocket lines. */
  const linesWith = async (logLevels?: ('log' | 'debug' | 'error' | 'warn')[]): Promise<string[]> => {
    const logger = new RecordingLogger();
    const started = await startApp(ObservabilityAppModule.with({ websocket: { logLevels } }), { logger });
    try {
      await expect(WsTestClient.connect(started.wsUrl('/nowhere?token=secret'))).rejects.toMatchObject({ status: 404 });
      const disconnects = started.app.get(Disconnects);
      const client = await EnvelopeClient.connect(started.wsUrl('/metered'));
      await client.close();
      await disconnects.untilCount(1);
    } finally {
      await started.app.close();
    }
    return logger.lines.filter((line) => line.includes('[WebSocket]'));
  };

  it('writes the gateways it binds, and no debug line, by default', async () => {
    const lines = await linesWith();

    expect(lines).toContain('log [WebSocket] MeteredGateway on /metered');
    expect(lines.filter((line) => line.startsWith('debug'))).toEqual([]);
  });

  it('writes a debug line per refused handshake, without its query, and per close when debug is asked for, and only the levels asked for', async () => {
    const lines = await linesWith(['debug']);

    expect(lines).toContain('debug [WebSocket] refused /nowhere with 404: no WebSocket endpoint on this path');
    expect(lines.some((line) => /^debug \[WebSocket\] MeteredGateway connection [\w-]+ closed with 1005$/.test(line))).toBe(true);
    expect(lines.filter((line) => !line.startsWith('debug'))).toEqual([]);
    expect(lines.join('\n')).not.toContain('secret');
  });
});
