/**
 * `SCAN MATCH … COUNT …` over one server's whole keyspace, page by page, from cursor 0 until
 * the server answers cursor 0 again (used on the master, and on each master of a cluster).
 *
 * @internal
 */
export async function* scanServer(
  send: (args: string[]) => Promise<unknown>,
  match: string,
  count: number,
): AsyncGenerator<string[], void, undefined> {
  let cursor = '0';
  do {
    const reply = (await send(['SCAN', cursor, 'MATCH', match, 'COUNT', String(count)])) as [
      string | number,
      unknown[],
    ];
    cursor = String(reply[0]);
    if (reply[1].length > 0) yield reply[1].map(String);
  } while (cursor !== '0');
}
