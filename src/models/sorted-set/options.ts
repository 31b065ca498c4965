/**
 * The option types of the SortedSet operations.
 *
 * @module
 */

/** Options of {@link SortedSet.add} and {@link SortedSet.addMany}. */
export interface SortedSetAddOptions {
  /** Only add new elements; never change the score of an existing one (`NX`). */
  ifAbsent?: boolean;
  /** Only change an existing score when the new one is greater (`GT`); new elements are added. */
  ifGreater?: boolean;
  /** Only change an existing score when the new one is less (`LT`); new elements are added. */
  ifLess?: boolean;
}

/** Options of the reads that may return scores. */
export interface WithScoresOption {
  /** Return `[element, score]` pairs instead of elements (`WITHSCORES`). */
  withScores?: boolean;
}

/** Options of {@link SortedSet.membersByScore}. */
export interface ScoreRangeOptions extends WithScoresOption {
  /** Elements to skip first (`LIMIT offset count`); default 0. */
  offset?: number;
  /** At most this many elements (`LIMIT offset count`); default all. */
  count?: number;
  /** Highest score first (`ZREVRANGEBYSCORE`) instead of lowest first. */
  reverse?: boolean;
}
