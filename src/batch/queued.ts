/**
 * A placeholder for the result of an operation queued in a batch; the batch's promise resolves
 * to the results in order, each decoded by its own model. It is not a promise: there is nothing
 * to await or chain until the batch has run.
 *
 * @typeParam R - the type the operation resolves to when run directly.
 */
export class Queued<R> {
  /** Phantom field carrying the result type. */
  declare readonly resultType?: R;

  constructor(
    /** Position in the batch. */
    readonly index: number,
    /** The batch it was queued in (its identity only). @internal */
    readonly batch: object,
  ) {}
}
