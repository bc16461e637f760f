import { HttpException, HttpStatus, Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HandshakeRefusal } from '../protocol/handshake-refusal';
import { HandshakeContext, HandshakeGuard } from './interfaces/handshake-guard.interface';
import { handshakeRefused, internalError } from './messages';

/** Guard classes come from the module's providers, or are created with their dependencies. */
export async function resolveHandshakeGuards(moduleRef: ModuleRef, guards: readonly (Type<HandshakeGuard> | HandshakeGuard)[]): Promise<HandshakeGuard[]> {
  return Promise.all(
    guards.map(async (guard) => {
      if (typeof guard !== 'function') return guard;
      try {
        return moduleRef.get(guard, { strict: false });
      } catch {
        return moduleRef.create(guard);
      }
    }),
  );
}

/**
 * Runs the guards in order; the first that says no decides the answer (DESIGN.md: 401, 403).
 * Any other error is a fault of that guard: `onGuardFailed` logs it and the answer is 500.
 */
export async function runHandshakeGuards(
  guards: readonly HandshakeGuard[],
  context: HandshakeContext,
  onGuardFailed: (guardName: string, error: unknown) => void,
): Promise<HandshakeRefusal | undefined> {
  for (const guard of guards) {
    try {
      if (!(await guard.canActivate(context))) return new HandshakeRefusal(HttpStatus.FORBIDDEN, handshakeRefused());
    } catch (error) {
      if (error instanceof HttpException) {
        const status = error.getStatus();
        // RFC 9110 §15.5.2: a 401 names how to authenticate.
        return new HandshakeRefusal(status, error.message, status === HttpStatus.UNAUTHORIZED ? { 'WWW-Authenticate': 'Bearer' } : {});
      }
      onGuardFailed(guard.constructor.name, error);
      return new HandshakeRefusal(HttpStatus.INTERNAL_SERVER_ERROR, internalError());
    }
  }
  return undefined;
}
