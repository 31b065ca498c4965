import { ListModel, type ListEnd } from './list-model.js';

/**
 * A last-in first-out stack on a Redis list: `push` adds at the head (`LPUSH`) and `pop` takes
 * from the head too (`LPOP`, blocking: `BLPOP`). The layout of the Python ancestor's Stack, so
 * both can share a stack. Each pop is one atomic command: an item goes to exactly one caller.
 *
 * Blocking pops (`pop({ timeout })` and `consume()`, with `BLPOP`) wait on connections of their
 * own, so a waiting worker never delays the other commands of its Connection.
 *
 * @typeParam T - the item type, e.g. `Stack<Page>` with `serializer.JSON`.
 *
 * @example
 * ```ts
 * @model({ connection: Main, serializer: serializer.JSON })
 * class History extends Stack<{ url: string }> {}
 * const history = new History('tab-1');
 * await history.push({ url: '/a' }, { url: '/b' });
 * await history.peek();   // { url: '/b' }
 * await history.pop();    // { url: '/b' }
 * ```
 */
export class Stack<T = string> extends ListModel<T> {
  /** A stack pops the newest item: the head. */
  protected get popEnd(): ListEnd {
    return 'L';
  }
}
