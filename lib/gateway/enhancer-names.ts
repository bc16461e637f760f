import { Type } from '@nestjs/common';
import { GUARDS_METADATA, INTERCEPTORS_METADATA, PIPES_METADATA } from '@nestjs/common/constants.js';
import { ApplicationConfig } from '@nestjs/core';
import { stackOf } from './error-description';
import { PARAM_ARGS_METADATA } from './websocket.constants';

export type EnhancerKind = 'guard' | 'pipe' | 'interceptor';

/** A guard, pipe or interceptor as metadata holds it: its class, or an instance. */
type Enhancer = Type | object;

const nameOf = (enhancer: Enhancer): string => (typeof enhancer === 'function' ? enhancer.name : enhancer.constructor.name);

/**
 * The class names of every guard, pipe and interceptor that runs before a handler (global, class,
 * method and parameter ones), with what each is: found at bootstrap, read only when one throws.
 */
export function enhancerNamesOf(metatype: Type, methodName: string, callback: object, config: ApplicationConfig): ReadonlyMap<string, EnhancerKind> {
  const names = new Map<string, EnhancerKind>();
  const add = (kind: EnhancerKind, enhancers: readonly Enhancer[] | undefined): void => {
    for (const enhancer of enhancers ?? []) names.set(nameOf(enhancer), kind);
  };
  const fromMetadata = (kind: EnhancerKind, key: string): void => {
    add(kind, Reflect.getMetadata(key, metatype) as Enhancer[] | undefined);
    add(kind, Reflect.getMetadata(key, callback) as Enhancer[] | undefined);
  };
  add('guard', [...config.getGlobalGuards(), ...config.getGlobalRequestGuards().map((wrapper) => wrapper.metatype as Type)]);
  add('pipe', [...config.getGlobalPipes(), ...config.getGlobalRequestPipes().map((wrapper) => wrapper.metatype as Type)]);
  add('interceptor', [...config.getGlobalInterceptors(), ...config.getGlobalRequestInterceptors().map((wrapper) => wrapper.metatype as Type)]);
  fromMetadata('guard', GUARDS_METADATA);
  fromMetadata('pipe', PIPES_METADATA);
  fromMetadata('interceptor', INTERCEPTORS_METADATA);
  const params: Record<string, { pipes?: Enhancer[] }> = Reflect.getMetadata(PARAM_ARGS_METADATA, metatype, methodName) ?? {};
  for (const param of Object.values(params)) add('pipe', param.pipes);
  return names;
}

// `at ThrowingGuard.canActivate (…)`, `at async RejectingPipe.transform (…)`
const FRAME = /^\s*at (?:async )?(?:new )?([A-Za-z_$][\w$]*)\./gm;

/**
 * Which of a handler's guards, pipes or interceptors an error came from: the first frame of its
 * stack that is in one of them, unless a frame of the gateway is anywhere in it (the handler was
 * running: an enhancer's own code never runs inside it, and a class the handler calls may share an
 * enhancer's name, as one-letter names do in a minified bundle). Undefined for the handler, and
 * when the stack says nothing (a value that is not an Error, a stack that cannot be read).
 */
export function enhancerThatThrew(error: unknown, gatewayName: string, enhancers: ReadonlyMap<string, EnhancerKind>): { kind: EnhancerKind; name: string } | undefined {
  const stack = enhancers.size > 0 && error instanceof Error ? stackOf(error) : undefined;
  if (stack === undefined) return undefined;
  let found: { kind: EnhancerKind; name: string } | undefined;
  for (const [, name] of stack.matchAll(FRAME)) {
    if (name === gatewayName) return undefined;
    const kind = found ? undefined : enhancers.get(name);
    if (kind) found = { kind, name };
  }
  return found;
}
