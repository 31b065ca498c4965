import { ListModel, type ListEnd } from './list-model.js';

/**
 * A first-in first-out queue on a Redis list: `push` adds at the head (`LPUSH`), `pop` takes
 * from the tail (`RPOP`). The layout of the Python ancestor's Queue, so both can share a queue.
 * Each pop is one atomic command: many workers may pop at once and each item goes to exactly
 * one of them.
 *
 * Blocking pops (`pop({ timeout })` with `BRPOP`, `consume()`) wait on connections of their
 * own, so a waiting worker never delays the other commands of its Connection.
 *
 * @typeParam T - the item type, e.g. `Queue<Job>` with `serializer.JSON`.
 *
 * @example
 * ```ts
 * @model({ connection: Main, serializer: serializer.JSON, prefix: 'jobs' })
 * class Jobs extends Queue<{ id: number }> {}
 * const jobs = new Jobs('mail');
 * await jobs.push({ id: 1 }, { id: 2 });
 * await jobs.pop();                       // { id: 1 }
 * await jobs.pop({ timeout: 5_000 });     // { id: 2 }, or null after 5 s
 * for await (const job of jobs.consume({ signal })) handle(job);
 * ```
 */
export class Queue<T = string> extends ListModel<T> {
  /** A queue pops the oldest item: the tail. */
  protected get popEnd(): ListEnd {
    return 'R';
  }
}
