// The layer order of lib/ (DESIGN.md "Layers"): a module imports only from its own layer or the
// layers below it, and no two modules import each other, directly or through others.
// Run by `npm run lint:imports` (part of `npm run lint`, so of `.ci/run`).
const LAYERS = ['protocol', 'wire', 'transport', 'codec', 'session', 'rooms', 'adapters', 'history', 'observability', 'gateway', 'asyncapi'];

/** `lib/<layer>/` for each layer above the given one, and the composition root above them all. */
const above = (index) => [...LAYERS.slice(index + 1).map((layer) => `^lib/${layer}/`), '^lib/websocket\\.module', '^lib/index\\.ts$'];

module.exports = {
  forbidden: [
    ...LAYERS.map((layer, index) => ({
      name: `${layer}-imports-down`,
      comment: `lib/${layer}/ may import only the layers below it: ${LAYERS.slice(0, index).join(', ') || 'none'}.`,
      severity: 'error',
      from: { path: `^lib/${layer}/` },
      to: { path: above(index) },
    })),
    {
      name: 'no-circular',
      comment: 'Two modules of lib/ that import each other, directly or through others.',
      severity: 'error',
      from: { path: '^lib/' },
      to: { circular: true },
    },
    {
      name: 'browser-safe',
      comment: 'lib/wire and lib/client run in browsers: no Node built-ins, nothing from the server side.',
      severity: 'error',
      from: { path: '^lib/(wire|client)/' },
      to: { pathNot: '^lib/(wire|client)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'subpaths-stand-alone',
      comment: 'The client and testing subpaths are imported without the server: they use only the wire, the protocol and each other.',
      severity: 'error',
      from: { path: '^lib/testing/' },
      to: { path: '^lib/', pathNot: '^lib/(wire|protocol|client|testing)/' },
    },
    {
      name: 'public-api-only-in-index',
      comment: 'Nothing in lib/ imports the package index: it is the public API and nothing else.',
      severity: 'error',
      from: { path: '^lib/', pathNot: '^lib/index\\.ts$' },
      to: { path: '^lib/index\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.spec\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['es6', 'cjs'],
  },
};
