// Compiles the Document fixture with standard (TC39) decorators next to its test-build output,
// so that its `../../../../src/index.js` import is the built package the specs run against.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** Compiles `fixtures/<name>.ts` with standard decorators (no metadata) and imports it. */
export async function importStandard<T>(name: string): Promise<T> {
  const mapFile = fileURLToPath(new URL(`./fixtures/${name}.js.map`, import.meta.url));
  const map = JSON.parse(readFileSync(mapFile, 'utf8')) as { sources: string[] };
  const source = resolve(dirname(mapFile), map.sources[0]);
  const { outputText } = ts.transpileModule(readFileSync(source, 'utf8'), {
    fileName: source,
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      experimentalDecorators: false,
      emitDecoratorMetadata: false,
      useDefineForClassFields: true,
    },
  });
  const dir = new URL('./standard/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = new URL(`${name}.js`, dir);
  writeFileSync(file, outputText);
  return (await import(file.href)) as T;
}
