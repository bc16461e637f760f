import { isError, stackOf } from './error-description';
import { Enhancer, HandlerEnhancers } from './nest-internals';

export type EnhancerKind = 'guard' | 'pipe' | 'interceptor';

const nameOf = (enhancer: Enhancer): string => (typeof enhancer === 'function' ? enhancer.name : enhancer.constructor.name);

/**
 * The class names of every guard, pipe and interceptor that runs before a handler (global, class,
 * method and parameter ones), with what each is: found at bootstrap, read only when one throws.
 */
export function enhancerNamesOf({ guards, pipes, interceptors }: HandlerEnhancers): ReadonlyMap<string, EnhancerKind> {
  const names = new Map<string, EnhancerKind>();
  const add = (enhancer: Enhancer, kind: EnhancerKind): void => {
    const name = nameOf(enhancer);
    if (!NAMES_OF_NO_CLASS.has(name)) names.set(name, kind);
  };
  for (const guard of guards) add(guard, 'guard');
  for (const pipe of pipes) add(pipe, 'pipe');
  for (const interceptor of interceptors) add(interceptor, 'interceptor');
  return names;
}

// An object literal ({ canActivate }) and an anonymous class name no class of their own: every
// `at Object.then` frame (a thenable the handler returned, a CommonJS module's code) would be blamed on them.
const NAMES_OF_NO_CLASS: ReadonlySet<string> = new Set(['', 'Object']);

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
  const stack = enhancers.size > 0 && isError(error) ? stackOf(error) : undefined;
  if (stack === undefined) return undefined;
  let found: { kind: EnhancerKind; name: string } | undefined;
  for (const [, name] of stack.matchAll(FRAME)) {
    if (name === gatewayName) return undefined;
    const kind = found ? undefined : enhancers.get(name);
    if (kind) found = { kind, name };
  }
  return found;
}
