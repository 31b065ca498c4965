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

/**
 * Closes a client gracefully (the replies already asked for come first), but destroys it when
 * they have not come within `limit` ms (a frozen server would hold a graceful close forever;
 * the commands still waiting then reject with a ConnectionError). `limit` 0: no bound.
 *
 * @internal
 */
export async function closeWithin(
  client: { close(): Promise<unknown>; destroy(): void },
  limit: number,
): Promise<void> {
  const closing = client.close().then(
    () => undefined,
    () => client.destroy(),
  );
  if (limit <= 0) return closing;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      client.destroy();
      resolve();
    }, limit);
  });
  await Promise.race([closing, late]);
  clearTimeout(timer);
}
