/** Subscriptions over SSE that collect their events as they come, for tests that count and time them. */
import { createClient } from 'graphql-sse';
import { DEMO_HEADERS } from '../../src/gateway.js';

export interface CollectedEvent<T> {
  data: T | undefined;
  errors: unknown;
  /** Date.now() when it arrived. */
  at: number;
}

/** Subscribes over its own SSE connection; `events` fills as they arrive, `close()` ends it. */
export function collect<T = Record<string, any>>(url: URL, query: string, headers: Record<string, string> = DEMO_HEADERS) {
  const client = createClient({ url: url.href, headers, retryAttempts: 0 });
  const events: CollectedEvent<T>[] = [];
  const results = client.iterate<T>({ query });
  const ended = (async () => {
    for await (const result of results) events.push({ data: result.data ?? undefined, errors: result.errors, at: Date.now() });
  })().catch(() => {
    // The gateway went away (a test killed it): the events so far stay.
  });
  return {
    events,
    ended,
    close: () => client.dispose(),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check` holds, looking every 10 ms; fails naming `what` after `ms`. Resolves with the wait. */
export async function until(check: () => boolean, ms: number, what: string): Promise<number> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(10);
  }
  return Date.now() - start;
}
