/**
 * Reliable emails: a ReliableQueue of emails, a worker that sends them (one address always
 * fails), retries with backoff, and the dead letters where the failing one ends with its error.
 *
 * Run it on its own (spawns a throwaway redis-server unless REDIS_URL is set):
 *
 *   npm run build:test && node build/examples/reliable-emails.js
 */
import { Connection, ReliableQueue, serializer, type QueueStats } from '../src/index.js';
import { runExample } from './run-example.js';

/** An email to send. */
export interface Email {
  to: string;
  subject: string;
}

/** What a run did. */
export interface EmailReport {
  /** Emails sent (each once, whatever the retries). */
  sent: number;
  /** Deliveries that failed (and were retried or dead-lettered). */
  failures: number;
  /** The dead letters: id and last error. */
  dead: Array<{ id: string; error: string | null; attempts: number }>;
  /** The queue afterwards. */
  stats: QueueStats;
}

/** The example's queue class, bound to one Connection: 3 attempts, 20 ms apart then 40 ms. */
export function emailQueue(connection: typeof Connection) {
  class Emails extends ReliableQueue<Email> {
    static override CONNECTION = connection;
    static override SERIALIZER = serializer.JSON;
    static override ATTEMPTS = 3;
    static override BACKOFF = { type: 'exponential' as const, delay: 20 };
  }
  return Emails;
}

/**
 * Pushes `count` emails (idempotently: pushing the same ids again adds nothing), one of them to
 * an address the "SMTP server" refuses, and runs a worker until every email was sent or
 * dead-lettered.
 */
export async function sendEmails(
  connection: typeof Connection,
  name: string,
  count = 20,
): Promise<EmailReport> {
  const Emails = emailQueue(connection);
  const queue = new Emails(name);
  for (let i = 0; i < count; i++) {
    const to = i === 7 ? 'nobody@invalid' : `user${i}@example.com`;
    await queue.push({ to, subject: `hello ${i}` }, { id: `welcome-${i}` });
  }
  await queue.push({ to: 'user0@example.com', subject: 'again' }, { id: 'welcome-0' }); // no-op

  const sent = new Set<string>();
  let failures = 0;
  const stop = new AbortController();
  const settled = (): boolean => sent.size + 1 === count;
  await queue.process(
    async (email, delivery) => {
      if (email.to.endsWith('@invalid')) {
        failures += 1;
        if (delivery.attempt === Emails.ATTEMPTS && settled()) stop.abort();
        throw new Error(`550 no such user: ${email.to}`);
      }
      sent.add(delivery.id);
      if (settled() && failures === Emails.ATTEMPTS) stop.abort();
    },
    { concurrency: 4, signal: stop.signal },
  );
  const dead = (await queue.deadLetters.items()).map(({ id, error, attempts }) => ({
    id,
    error,
    attempts,
  }));
  return { sent: sent.size, failures, dead, stats: await queue.stats() };
}

runExample(import.meta.url, (main) => sendEmails(main, `example:emails:${Date.now()}`));
