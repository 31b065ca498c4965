/**
 * The SortedSet model: the class (sorted-set.ts), its option types (options.ts) and score bounds
 * (scores.ts); the arguments of its range commands are built in query.ts.
 *
 * @module
 */
export { SortedSet } from './sorted-set.js';
export { exclusive, type ScoreBound } from './scores.js';
export type { ScoreRangeOptions, SortedSetAddOptions, WithScoresOption } from './options.js';
