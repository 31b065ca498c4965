/**
 * SortedSet: a game leaderboard, players scored in a Redis sorted set: `addMany` for the first
 * results, `incr` when a player scores again, `add` with `ifGreater` to keep a best score, the
 * top N with their scores, a player's rank, a count above a score, `truncate` to keep the best.
 *
 * Run it on its own (spawns a throwaway redis-server unless REDIS_URL is set):
 *
 *   npm run build:test && node build/examples/sorted-set.js
 */
import { Connection, SortedSet, exclusive } from '../src/index.js';
import { runExample } from './run-example.js';

/** What the leaderboard showed. */
export interface LeaderboardReport {
  /** Bob's score after his second game (`ZINCRBY`). */
  bob: number;
  /** Ann's score after a worse game was offered with `ifGreater` (kept). */
  ann: number | null;
  /** The three best, highest first, with their scores. */
  top3: Array<[string, number]>;
  /** Ann's rank (0 = first), and the rank of a player who never played. */
  annRank: number | null;
  zedRank: number | null;
  /** How many players scored more than 100. */
  over100: number;
  /** How many players `truncate(3)` removed, and who is left. */
  dropped: number;
  players: string[];
}

/** The example's model on one Connection, under `prefix`. */
export function sortedSetModels(connection: typeof Connection, prefix: string) {
  /** One board per season: the key `<prefix>:scores:<season>`, player names as members. */
  class Leaderboard extends SortedSet {
    static override CONNECTION = connection;
    static override PREFIX = `${prefix}:scores`;
  }
  return { Leaderboard };
}

/** Plays a season under `prefix`. */
export async function leaderboard(
  connection: typeof Connection,
  prefix: string,
): Promise<LeaderboardReport> {
  const { Leaderboard } = sortedSetModels(connection, prefix);
  const board = new Leaderboard('season-1');
  await board.addMany([
    ['ann', 120],
    ['bob', 95],
    ['cid', 140],
    ['dee', 80],
  ]);
  const bob = await board.incr('bob', 50); // a second game: 95 + 50
  await board.add('ann', 100, { ifGreater: true }); // a worse game: the best score stays
  return {
    bob,
    ann: await board.score('ann'),
    top3: await board.top(3, { withScores: true }),
    annRank: await board.rank('ann'),
    zedRank: await board.rank('zed'),
    over100: await board.length(exclusive(100), '+inf'),
    dropped: await board.truncate(3), // only the three best stay on the board
    players: await board.members(),
  };
}

runExample(import.meta.url, (main) => leaderboard(main, `example:${Date.now()}`));
