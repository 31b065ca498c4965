// Compiles the fixtures of spec/decorators/fixtures with standard (TC39) decorators, next to
// their test-build output, so that their `../../../src/index.js` import is the built package
// the specs run against (one registry of classes for both modes).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** The fixtures' test-build output (legacy decorators). */
const built = new URL('./fixtures/', import.meta.url);

/** The TypeScript source of a fixture, found through the source map of its test-build output. */
export function fixtureSource(name: string): string {
  const mapFile = fileURLToPath(new URL(`${name}.js.map`, built));
  const map = JSON.parse(readFileSync(mapFile, 'utf8')) as { sources: string[] };
  return resolve(dirname(mapFile), map.sources[0]);
}

/** The repository's compiler options with standard decorators. */
function standardOptions(source: string): ts.CompilerOptions {
  const base = resolve(dirname(source), '../../../tsconfig.base.json');
  const read = ts.readConfigFile(base, (path) => ts.sys.readFile(path));
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const { options } = ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(base));
  return { ...options, experimentalDecorators: false, emitDecoratorMetadata: false };
}

/** The ways a fixture is compiled with standard decorators. */
export const STANDARD = {
  /** ES2022 class fields with [[Define]] semantics (TypeScript's default for that target). */
  define: { target: ts.ScriptTarget.ES2022, useDefineForClassFields: true },
  /** Fields assigned in the constructor (`useDefineForClassFields: false`). */
  assign: { target: ts.ScriptTarget.ES2022, useDefineForClassFields: false },
} as const;

/** Compiles a fixture with standard decorators (no type check) and imports it. */
export async function importStandard<T>(name: string, variant: keyof typeof STANDARD): Promise<T> {
  const source = fixtureSource(name);
  const { outputText } = ts.transpileModule(readFileSync(source, 'utf8'), {
    fileName: source,
    compilerOptions: {
      ...standardOptions(source),
      ...STANDARD[variant],
      module: ts.ModuleKind.ESNext,
      sourceMap: false,
    },
  });
  // At the depth of fixtures/: `../../../src/index.js` is the same built package.
  const dir = new URL(`./standard-${variant}/`, import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = new URL(`${name}.js`, dir);
  writeFileSync(file, outputText);
  return (await import(file.href)) as T;
}

/** Type-checks fixtures with standard decorators: the diagnostics, formatted. */
export function typeCheckStandard(names: string[]): string[] {
  const sources = names.map(fixtureSource);
  const program = ts.createProgram(sources, { ...standardOptions(sources[0]), noEmit: true });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file
      ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: `
      : '';
    return `${where}TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}
