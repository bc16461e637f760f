import { Logger } from '@nestjs/common';
import { ExternalContextCreator } from '@nestjs/core';
import { isObservable, lastValueFrom } from 'rxjs';
import { Connection } from '../transport/connection';
import { GatewayDefinition } from './gateway.explorer';
import { CompiledHandler, compileHandler } from './handler-pipeline';
import { handlerFailed } from './messages';

/** Runs one gateway's handlers for the messages of its connections and sends their results back. */
export class GatewayDispatcher {
  private readonly rawHandler: { methodName: string; run: CompiledHandler } | undefined;

  constructor(
    private readonly definition: GatewayDefinition,
    creator: ExternalContextCreator,
    private readonly logger: Logger,
  ) {
    const raw = definition.handlers.find((handler) => handler.event === undefined);
    this.rawHandler = raw && {
      methodName: raw.methodName,
      run: compileHandler(creator, definition.instance, definition.metatype, raw.methodName),
    };
  }

  attach(connection: Connection): void {
    const raw = this.rawHandler;
    if (!raw) return;
    connection.on('message', (message) => {
      raw
        .run(connection, message, undefined)
        .then((result) => this.reply(connection, result))
        .catch((error: unknown) => this.fail(raw.methodName, error));
    });
  }

  /** A raw handler's string goes back as text, its Buffer as binary; other values as JSON text. */
  private async reply(connection: Connection, result: unknown): Promise<void> {
    const value = isObservable(result) ? await lastValueFrom(result, { defaultValue: undefined }) : result;
    if (value === undefined || value === null) return;
    connection.send(typeof value === 'string' || Buffer.isBuffer(value) ? value : JSON.stringify(value));
  }

  private fail(methodName: string, error: unknown): void {
    const stack = error instanceof Error ? error.stack : String(error);
    this.logger.error(handlerFailed(this.definition.metatype.name, methodName), stack);
  }
}
