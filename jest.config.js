// One Jest run, six projects: `npx jest --selectProjects unit` runs one of them.
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
  projects: [
    project('unit', ['<rootDir>/test/unit/**/*.spec.ts']),
    project('conformance', ['<rootDir>/test/conformance/**/*.spec.ts']),
    project('interop', ['<rootDir>/test/interop/**/*.spec.ts']),
    project('e2e', ['<rootDir>/test/e2e/**/*.e2e-spec.ts']),
    project('browser', ['<rootDir>/test/browser/**/*.browser-spec.ts']),
    project('security', ['<rootDir>/test/security/**/*.spec.ts']),
  ],
};
