import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/results/**', 'bench/.build/**', 'sample/public/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['lib/**/*.ts'],
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // STYLE.md §9: Nest's internals are reached from one file, each use with its reason and the Nest it was checked against.
    // (protocol/ and transport/ below forbid @nestjs/* altogether.)
    files: ['lib/**/*.ts'],
    ignores: ['lib/gateway/nest-internals.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['@nestjs/*/**'], message: 'Nest internals are reached only from lib/gateway/nest-internals.ts.' }],
      }],
    },
  },
  {
    // DESIGN.md: protocol/ is sans-I/O. No sockets, no timers, no Nest, nothing above it.
    files: ['lib/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:net', 'net', 'node:http', 'http', 'node:https', 'https', 'node:tls', 'tls', 'node:timers', 'timers', 'node:timers/*', 'timers/*', 'node:dgram', 'dgram'], message: 'lib/protocol is sans-I/O.' },
          { group: ['@nestjs/*', 'rxjs', 'rxjs/*'], message: 'lib/protocol does not know Nest.' },
          { group: ['../transport/*', '../gateway/*', '../rooms/*', '../adapters/*', '../testing/*', '../../*'], message: 'Imports point down the layers.' },
        ],
      }],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'queueMicrotask'],
    },
  },
  {
    files: ['lib/transport/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['@nestjs/*'], message: 'lib/transport does not know Nest.' },
          { group: ['../gateway/*', '../rooms/*', '../adapters/*', '../testing/*'], message: 'Imports point down the layers.' },
        ],
      }],
    },
  },
  {
    // The official Nest samples, migrated (issue 16): their `(client: any, data: any)` signatures stay as
    // the samples wrote them, so the migration's diff shows only what moving to nest-rfc6455 takes.
    files: ['examples/migrated-*/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': 'off',
    },
  },
);
