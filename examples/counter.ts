/**
 * Counter: page views counted per page with `incr`/`decr`/`get`, and a site-wide total kept in a
 * singleton counter (a subclass with a static `KEY`). Increments are atomic on the server, so
 * concurrent visits are never lost.
 *
 * Run it on its own (spawns a throwaway redis-server unless REDIS_URL is set):
 *
 *   npm run build:test && node build/examples/counter.js
 */
import { Connection, Counter } from '../src/index.js';
import { runExample } from './run-example.js';

/** What the page-view counters showed. */
export interface CounterReport {
  /** Views per page after the visits (one bot visit to /home taken back). */
  home: number;
  about: number;
  /** The site-wide total (the singleton counter), bot visit taken back too. */
  total: number;
  /** A page nobody visited: `null`, never set. */
  contact: number | null;
  /** The /about counter after a reset to 0. */
  aboutAfterReset: number | null;
}

/** The example's counters on one Connection, under `prefix`. */
export function counterModels(connection: typeof Connection, prefix: string) {
  /** Views of one page: `new PageViews('home')` is the key `<prefix>:views:home`. */
  class PageViews extends Counter {
    static override CONNECTION = connection;
    static override PREFIX = `${prefix}:views`;
  }
  /** The site-wide total: a singleton, `new TotalViews()` needs no name. */
  class TotalViews extends PageViews {
    static override KEY = 'total';
  }
  return { PageViews, TotalViews };
}

/** Counts a burst of concurrent visits under `prefix`, takes one back, resets one page. */
export async function pageViews(
  connection: typeof Connection,
  prefix: string,
): Promise<CounterReport> {
  const { PageViews, TotalViews } = counterModels(connection, prefix);
  const visits = [...Array<string>(30).fill('home'), ...Array<string>(12).fill('about')];
  // Every visit counts its page and the total, all at once: INCRBY is atomic, none is lost.
  await Promise.all(
    visits.map((page) => [new PageViews(page).incr(), new TotalViews().incr()]).flat(),
  );
  // One /home visit was a bot: take it back from the page and from the total.
  await new PageViews('home').decr();
  await new TotalViews().decr();
  const about = new PageViews('about');
  const report = {
    home: (await new PageViews('home').get()) ?? 0,
    about: (await about.get()) ?? 0,
    total: (await new TotalViews().get()) ?? 0,
    contact: await new PageViews('contact').get(),
  };
  await about.set(0); // a new month for /about
  return { ...report, aboutAfterReset: await about.get() };
}

runExample(import.meta.url, (main) => pageViews(main, `example:${Date.now()}`));
