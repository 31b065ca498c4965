/**
 * Stack: the undo history of a text editor, one JSON edit per entry on a Redis list: `push` as
 * the user types, `peek` at what undo would revert, `pop` to undo (newest first), `items` to list
 * the history, and a `pop({ timeout })` that gives up on an empty history.
 *
 * Run it on its own (spawns a throwaway redis-server unless REDIS_URL is set):
 *
 *   npm run build:test && node build/examples/stack.js
 */
import { Connection, Stack, serializer } from '../src/index.js';
import { runExample } from './run-example.js';

/** One edit: text typed at the end of the document. */
export interface Edit {
  typed: string;
  at: number;
}

/** What the editing session showed. */
export interface UndoReport {
  /** The document after typing, the size of the history, and what undo would revert first. */
  typed: string;
  depth: number;
  next: Edit | null;
  /** The document after two undos, and the history left (newest first). */
  undone: string;
  history: Edit[];
  /** The document after undoing everything, and what one more undo got (nothing, in time). */
  empty: string;
  nothingLeft: Edit | null;
}

/** The example's model on one Connection, under `prefix`. */
export function stackModels(connection: typeof Connection, prefix: string) {
  /** One history per document: the key `<prefix>:undo:<doc>`, a JSON edit per element. */
  class History extends Stack<Edit> {
    static override CONNECTION = connection;
    static override SERIALIZER = serializer.JSON;
    static override PREFIX = `${prefix}:undo`;
  }
  return { History };
}

/** Types, then undoes, under `prefix`. */
export async function undoHistory(
  connection: typeof Connection,
  prefix: string,
): Promise<UndoReport> {
  const { History } = stackModels(connection, prefix);
  const history = new History('doc-7');
  let doc = '';
  let depth = 0;
  for (const typed of ['Hello', ', world', '!', '!!']) {
    depth = await history.push({ typed, at: doc.length }); // the new size
    doc += typed;
  }
  const typed = doc;
  const next = await history.peek();
  const undo = (edit: Edit | null): void => {
    if (edit) doc = doc.slice(0, edit.at);
  };
  undo(await history.pop());
  undo(await history.pop());
  const undone = doc;
  const items = await history.items();
  while ((await history.size()) > 0) undo(await history.pop());
  // Nothing left: a blocking pop waits 50 ms for another edit, then gives up with null.
  const nothingLeft = await history.pop({ timeout: 50 });
  return { typed, depth, next, undone, history: items, empty: doc, nothingLeft };
}

runExample(import.meta.url, (main) => undoHistory(main, `example:${Date.now()}`));
