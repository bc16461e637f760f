// One Jest run, seven projects: `npx jest --selectProjects unit` runs one of them.
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
    },
    module: { type: 'commonjs' },
  },
];

const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.[cm]?[tj]s$': swc },
  // Nest 12 ships ES modules; Jest's CommonJS runtime needs them compiled.
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|@fastify|fastify)/)'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
};

const project = (displayName, testMatch, extra = {}) => ({ ...common, displayName, testMatch, ...extra });

module.exports = {
  // Longest suites first (recorded in test/setup/suite-seconds.json), so that no worker is left alone with one at the end.
  testSequencer: '<rootDir>/test/setup/slow-first.sequencer.cjs',
  projects: [
    project('unit', ['<rootDir>/test/unit/**/*.spec.ts']),
    project('conformance', ['<rootDir>/test/conformance/**/*.spec.ts']),
    // RFC 8441: the suites whose subject is the frame engine, over an HTTP/2 stream instead of a TCP socket.
    project('conformance-h2', ['framing', 'fragmentation', 'utf8', 'close', 'limits', 'ping-pong', 'opcodes', 'reserved-bits', 'masking'].map((name) => `<rootDir>/test/conformance/${name}.spec.ts`), {
      setupFiles: ['<rootDir>/test/setup/conformance-over-http2.ts'],
    }),
    project('interop', ['<rootDir>/test/interop/**/*.spec.ts']),
    project('e2e', ['<rootDir>/test/e2e/**/*.e2e-spec.ts']),
    project('browser', ['<rootDir>/test/browser/**/*.browser-spec.ts']),
    project('security', ['<rootDir>/test/security/**/*.spec.ts']),
    // The official Nest samples migrated to this package (issue 16): their own tests, importing
    // 'nest-rfc6455' as users do, and relative imports with `.js` as Nest's ES-module samples write them.
    project('examples', ['<rootDir>/examples/migrated-*/**/*.spec.ts', '<rootDir>/examples/migrated-*/**/*.e2e-spec.ts'], {
      moduleNameMapper: {
        '^nest-rfc6455$': '<rootDir>/lib',
        '^nest-rfc6455/(client|testing)$': '<rootDir>/lib/$1',
        '^(\\.{1,2}/.*)\\.js$': '$1',
      },
    }),
  ],
};
