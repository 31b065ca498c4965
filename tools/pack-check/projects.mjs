// The fresh projects tools/pack-check.mjs installs the packed tarball in: one small program each
// (a Connection on the check's throwaway redis-server, a Counter, two increments), with the
// package.json, tsconfig.json and build steps around it. Each program prints one JSON line,
// {"first":1,"second":3}, and the check compares it with EXPECTED.

/** What every program prints on its last line of output. */
export const EXPECTED = JSON.stringify({ first: 1, second: 3 });

/**
 * The body every program shares, once the names `Connection` and `Counter` are in scope: `url`
 * is the DSN of the throwaway server, `key` a key of this project alone. `typed` adds the type
 * annotations of the TypeScript programs.
 */
function body(url, key, typed) {
  const number = typed ? ': number' : '';
  return [
    `class Main extends Connection {`,
    `  static MASTER = ${JSON.stringify(url)};`,
    `}`,
    `class Hits extends Counter {`,
    `  static CONNECTION = Main;`,
    `}`,
    `async function main()${typed ? ': Promise<void>' : ''} {`,
    `  const hits = new Hits(${JSON.stringify(key)});`,
    `  const first${number} = await hits.incr();`,
    `  const second${number} = await hits.incr(2);`,
    `  await Main.close();`,
    `  console.log(JSON.stringify({ first, second }));`,
    `}`,
    `main().catch((error${typed ? ': unknown' : ''}) => {`,
    `  console.error(error);`,
    `  process.exitCode = 1;`,
    `});`,
    ``,
  ].join('\n');
}

/**
 * The compiler options every TypeScript project shares: the strictest a user may set, the
 * package's declarations checked too (`skipLibCheck: false`; the `bundler` project skips that
 * check, done once in the `nodenext` one, to halve the time). One `tsc` run type-checks and,
 * only when it finds no error (`noEmitOnError`), writes the JavaScript that then runs.
 */
const STRICT = {
  target: 'ES2022',
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  skipLibCheck: false,
  types: ['node'],
  noEmitOnError: true,
  outDir: 'out',
};

/** Code of a program that types a node-redis call through `redisext/node-redis` (not run). */
const NODE_REDIS_ENTRY = [
  `import { nodeRedisClient } from 'redisext/node-redis';`,
  `export async function typedGet(main: typeof Connection): Promise<string | null> {`,
  `  return (await nodeRedisClient(main)).get('pack-check');`,
  `}`,
  ``,
].join('\n');

/** A package.json of a fresh project. */
function manifest(name, type) {
  return JSON.stringify({ name: `pack-check-${name}`, private: true, type }, null, 2);
}

/**
 * The fixture projects, for a server at `url`. Each has its `files`, the packages it installs
 * besides the tarball (`extra`: the TypeScript projects need Node's types), the `steps` that
 * build it (tool name and arguments; tools/pack-check.mjs maps `tsc` and `esbuild` to the
 * repository's binaries) and the file `node` runs.
 *
 * @param {string} url - the DSN of the throwaway redis-server.
 * @param {string} typesNode - the `@types/node` version the repository installed.
 */
export function projects(url, typesNode) {
  const key = (name) => `pack-check:${name}`;
  return [
    {
      name: 'esm',
      files: {
        'package.json': manifest('esm', 'module'),
        'main.js': `import { Connection, Counter } from 'redisext';\n\n${body(url, key('esm'), false)}`,
      },
      extra: [],
      steps: [],
      run: 'main.js',
    },
    {
      name: 'commonjs',
      files: {
        'package.json': manifest('commonjs', 'commonjs'),
        'main.js': `const { Connection, Counter } = require('redisext');\n\n${body(url, key('cjs'), false)}`,
      },
      extra: [],
      steps: [],
      run: 'main.js',
    },
    ...[
      ['ts-nodenext', { module: 'NodeNext', moduleResolution: 'NodeNext' }, ''],
      // The typed escape hatch through the package's second entry point.
      [
        'ts-bundler',
        { module: 'ESNext', moduleResolution: 'Bundler', skipLibCheck: true },
        NODE_REDIS_ENTRY,
      ],
    ].map(([name, resolution, extraCode]) => ({
      name,
      files: {
        'package.json': manifest(name, 'module'),
        'tsconfig.json': JSON.stringify(
          { compilerOptions: { ...STRICT, ...resolution }, include: ['main.ts'] },
          null,
          2,
        ),
        'main.ts': `import { Connection, Counter } from 'redisext';\n${extraCode}\n${body(url, key(name), true)}`,
      },
      extra: [`@types/node@${typesNode}`],
      steps: [['tsc', ['-p', 'tsconfig.json']]],
      // nodenext: redisext's declarations name no node-redis type (a consumer's check stays
      // light: docs/architecture.md); tools/pack-check.mjs lists the files tsc reads.
      lean: name === 'ts-nodenext',
      run: 'out/main.js',
    })),
    {
      name: 'esbuild',
      files: {
        'package.json': manifest('esbuild', 'module'),
        'main.ts': `import { Connection, Counter } from 'redisext';\n\n${body(url, key('esbuild'), true)}`,
      },
      extra: [],
      steps: [
        [
          'esbuild',
          [
            'main.ts',
            '--bundle',
            '--platform=node',
            '--target=node20',
            '--format=cjs',
            '--outfile=out/app.cjs',
            '--metafile=out/meta.json',
            '--log-level=warning',
          ],
        ],
      ],
      run: 'out/app.cjs',
      bundle: 'out/meta.json',
    },
  ];
}
