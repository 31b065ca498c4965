import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ArgumentError,
  Cache,
  serializer,
  type CacheProgress,
  type Connection,
} from '../../src/index.js';
import { rejects, uniq } from '../support/helpers.js';
import { onEachTopology } from '../support/targets.js';

onEachTopology('Cache: signals and progress', (target) => {
  let Main: typeof Connection;
  before(() => {
    Main = target().connection();
  });
  /** A Cache class on this topology's Connection. */
  const cacheOf = () =>
    class Scores extends Cache<number> {
      static override CONNECTION = Main;
      static override SERIALIZER = serializer.JSON;
    };

  /** A cache of its own with `n` entries. */
  async function filled(n: number): Promise<Cache<number>> {
    const cache = new (cacheOf())(uniq('scores'));
    await Main.pipeline((p) => Array.from({ length: n }, (_, i) => cache.in(p).set(`e${i}`, i)));
    return cache;
  }

  it('clear() tells its progress page by page and removes every entry', async () => {
    const cache = await filled(600);
    const seen: CacheProgress[] = [];
    const removed = await cache.clear({ count: 100, onProgress: (p) => void seen.push(p) });
    expect(removed).to.equal(600);
    expect(seen.length).to.be.at.least(2);
    expect(seen.at(-1)!.keys).to.equal(600);
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i].pages).to.equal(seen[i - 1].pages + 1);
      expect(seen[i].keys).to.be.at.least(seen[i - 1].keys);
    }
    expect(await cache.keys()).to.deep.equal([]);
  });

  it('an abort stops clear() between pages: it rejects with the reason, the rest stays', async () => {
    const cache = await filled(600);
    const stop = new AbortController();
    const reason = new Error('enough');
    const caught = await rejects(
      () =>
        cache.clear({
          count: 50,
          signal: stop.signal,
          onProgress: (p) => {
            if (p.keys > 0) stop.abort(reason);
          },
        }),
      Error,
    );
    expect(caught).to.equal(reason);
    const left = (await cache.keys()).length;
    expect(left).to.be.above(0).and.below(600);
  });

  it('keys() and scan() stop on an abort; an aborted signal rejects before anything is sent', async () => {
    const cache = await filled(300);
    const reason = new Error('stop');
    expect(await rejects(() => cache.keys({ signal: AbortSignal.abort(reason) }), Error)).to.equal(
      reason,
    );
    const stop = new AbortController();
    const got: string[] = [];
    const iterate = async (): Promise<void> => {
      for await (const id of cache.scan({ count: 20, signal: stop.signal })) {
        got.push(id);
        if (got.length === 1) stop.abort(reason);
      }
    };
    expect(await rejects(iterate, Error)).to.equal(reason);
    expect(got.length).to.be.below(300);
    const pages: number[] = [];
    const ids = await cache.keys({ count: 50, onProgress: (p) => void pages.push(p.pages) });
    expect(ids).to.have.length(300);
    expect(pages.length).to.be.at.least(2);
  });

  it('getOrSet: an abort ends a waiter only; compute gets the signal; the value is still stored', async () => {
    const cache = new (cacheOf())(uniq('scores'));
    let release!: () => void;
    const computing = cache.getOrSet('slow', async (signal?: AbortSignal) => {
      expect(signal).to.equal(undefined); // no signal given to this caller
      await new Promise<void>((resolve) => (release = resolve));
      return 42;
    });
    await sleep(50); // the first caller holds the "computing" marker
    const stop = new AbortController();
    const reason = new Error('gave up');
    const waiting = cache.getOrSet('slow', () => -1, { signal: stop.signal });
    await sleep(50);
    stop.abort(reason);
    expect(await rejects(() => waiting, Error)).to.equal(reason);
    release();
    expect(await computing).to.equal(42);
    expect(await cache.get('slow')).to.equal(42);

    const own = new AbortController();
    let handed: AbortSignal | undefined;
    await cache.getOrSet('other', (signal?: AbortSignal) => ((handed = signal), 7), {
      signal: own.signal,
    });
    expect(handed).to.equal(own.signal);
  });

  it('bad signal or onProgress options are ArgumentErrors, nothing sent', async () => {
    const cache = new (cacheOf())(uniq('scores'));
    const bad = { signal: 'soon' } as unknown as { signal: AbortSignal };
    await rejects(async () => cache.keys(bad), ArgumentError, /signal must be an AbortSignal/);
    const noFn = { onProgress: 3 } as unknown as { onProgress: () => void };
    await rejects(async () => cache.clear(noFn), ArgumentError, /onProgress must be a function/);
    await rejects(
      async () => cache.getOrSet('x', () => 1, bad),
      ArgumentError,
      /signal must be an AbortSignal/,
    );
  });
});
