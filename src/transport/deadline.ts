import { ConnectionError } from '../core/errors.js';

/**
 * A connect deadline: `promise` rejects with a ConnectionError naming `address` after `limit`
 * ms (node-redis' `connect()` alone can hang on a server that accepts and never answers).
 * Call `clear()` once connected.
 *
 * @internal
 */
export function connectDeadline(
  limit: number,
  address: string,
): { promise: Promise<never>; clear(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ConnectionError(
            address,
            `no answer within ${limit} ms while connecting`,
            {},
            {
              outcome: 'not-sent',
            },
          ),
        ),
      limit,
    );
  });
  promise.catch(() => undefined);
  return { promise, clear: () => clearTimeout(timer) };
}
