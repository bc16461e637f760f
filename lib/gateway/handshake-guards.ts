import { HttpException, HttpStatus, Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HandshakeRefusal } from '../protocol/handshake-refusal';
import { HandshakeContext, HandshakeGuard } from './interfaces/handshake-guard.interface';
import { handshakeRefused } from './messages';

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
 * An error that is not an HttpException is rethrown: the listener answers 500 and logs it.
 */
export async function runHandshakeGuards(guards: readonly HandshakeGuard[], context: HandshakeContext): Promise<HandshakeRefusal | undefined> {
  for (const guard of guards) {
    try {
      if (!(await guard.canActivate(context))) return new HandshakeRefusal(HttpStatus.FORBIDDEN, handshakeRefused());
    } catch (error) {
      if (error instanceof HttpException) {
        const status = error.getStatus();
        // RFC 9110 §15.5.2: a 401 names how to authenticate.
        return new HandshakeRefusal(status, error.message, status === HttpStatus.UNAUTHORIZED ? { 'WWW-Authenticate': 'Bearer' } : {});
      }
      throw error;
    }
  }
  return undefined;
}
