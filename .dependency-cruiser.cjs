// The import rules of src/ (npm run lint:deps, part of npm test): no cycle, type-only imports
// counted, and each layer imports only from the layers below it. docs/architecture.md draws them.
const LAYERS = [
  ['scripts', '^src/scripts/'],
  ['core', '^src/core/'],
  ['serializers', '^src/serializers/'],
  ['transport', '^src/transport/'],
  ['batch', '^src/batch/'],
  ['connection', '^src/connection/'],
  ['models', '^src/models/'],
  ['index', '^src/(index|node-redis)\\.ts$'],
];

const upward = LAYERS.slice(0, -1).map(([name, path], i) => ({
  name: `no-upward-from-${name}`,
  comment: `${name} may import only from the layers below it`,
  severity: 'error',
  from: { path },
  to: { path: LAYERS.slice(i + 1).map(([, above]) => above) },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'no import cycle, type-only imports included',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...upward,
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.d\\.ts$' },
  },
};
