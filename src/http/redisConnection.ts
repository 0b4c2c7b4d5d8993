import type { Logger } from 'pino';

/** Redis answers on a LAN in about a millisecond; past this a command counts as failed. */
export const REDIS_BUDGET_MS = 250;

/** Commands waiting for a connected Redis at most (connectRedis); a request makes one or two, for a millisecond each. */
export const REDIS_MAX_QUEUED = 512;

/**
 * A client once its connection is ready, has failed, or has taken the command budget, whichever
 * comes first: whoever waits for it never waits longer than one command would. As for a command
 * (withinBudget), the I/O of the turn in which the budget ran out is read first: a process that
 * was busy past it may have its connection ready, waiting to be read.
 */
export const settled = <C extends { isReady: boolean; once(event: 'ready' | 'error', listener: () => void): unknown }>(client: C) =>
  new Promise<C>((settle) => {
    const done = () => settle(client);
    if (client.isReady) done();
    client.once('ready', done);
    client.once('error', done);
    setTimeout(() => setImmediate(done), REDIS_BUDGET_MS).unref();
  });

/**
 * One connection to REDIS_URL for a feature that degrades without it (the read cache, the APQ
 * store): no offline queue, so while Redis is away a command fails at once instead of holding the
 * request, and a bounded queue while it is connected but stalled; one warning when it goes away (`unavailable`, in the feature's own words), and another
 * only after it came back. `name` names the connection in Redis's CLIENT LIST, so an operator
 * sees which feature (and instance) each connection serves; `onReady` hears each time the
 * connection is (again) ready; `maxQueued` is the queue's bound (REDIS_MAX_QUEUED unless the
 * feature sends more at once). The client library is loaded only here, so a gateway without
 * REDIS_URL does not carry it (about 10 MiB resident).
 */
export function connectRedis(url: URL, logger: Logger, unavailable: string, options: { name: string; onReady?: () => void; maxQueued?: number }) {
  const { name, onReady, maxQueued = REDIS_MAX_QUEUED } = options;
  let warned = false;
  const degraded = (error: unknown) => {
    if (!warned) logger.warn({ err: String(error) }, unavailable);
    warned = true;
  };
  const created = import('redis').then(({ createClient }) => {
    // A Redis that stalls with its connection open (stopped, partitioned) keeps node-redis's queue
    // of commands growing with every request: past REDIS_MAX_QUEUED one fails at once, and the
    // request goes on without Redis instead of waiting out the budget (an attacker's pass grew
    // the gateway 2.3 MB a second with APQ registrations while redis-server was stopped).
    const client = createClient({ url: url.href, name, disableOfflineQueue: true, commandsQueueMaxLength: maxQueued });
    client.on('error', degraded);
    client.on('ready', () => {
      warned = false;
      onReady?.();
    });
    client.connect().catch(degraded);
    return client;
  });
  /**
   * The client once its first connection is ready, failed, or has taken the budget: the first
   * requests after start wait for a Redis on its way up, but never longer than one command would,
   * and never again (a Redis that accepts and stays silent would otherwise hold every request).
   */
  const connected = created.then(settled);
  // A client that cannot even be created (the redis package failing to load) degrades too.
  connected.catch(degraded);
  const guard = stallGuard();
  type Client = Awaited<typeof created>;
  return {
    connected,
    degraded,
    /** A command that must be sent, stall or not (a write's invalidation), within the budget. */
    send: <T>(command: (client: Client) => Promise<T>) => guard.send(connected.then(command)),
    /** A command a request can do without (a lookup, a store): skipped while Redis is stalled. */
    optional: <T>(command: (client: Client) => Promise<T>) => guard.optional(() => connected.then(command)),
    async close() {
      const client = await created.catch(() => undefined);
      if (!client) return;
      // A client still trying to connect is dropped: quitting would wait for a Redis that is away.
      if (client.isReady) await client.quit();
      else client.destroy();
    },
  };
}

/**
 * A Redis that is connected but stalled must not hold a request: give up after the budget. It
 * counts from the check phase after the call, the one in which node-redis writes the command (it
 * writes in a setImmediate; a command issued while the first connection is still being made waits
 * for it within the budget): a loop turn that runs on past the budget before the command is even
 * sent is this process's slowness, not Redis's. (During a burst of subscriptions, instances of the
 * three-instance benchmark took it for Redis's and fell back to polling alone.) The refusal waits
 * for the I/O of the loop turn in which the budget ran out (setImmediate runs after it): when this
 * process was busy past the budget, an answer that arrived meanwhile is read first. Timers run
 * before I/O in a turn, so otherwise a loaded instance took its own slowness for Redis's too.
 * An answered command leaves no timer behind (every cache lookup and store is one).
 */
export function withinBudget<T>(command: Promise<T>): Promise<T> {
  let answered = false;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) =>
    setImmediate(() => {
      if (!answered) timer = setTimeout(() => setImmediate(() => reject(new RedisLate())), REDIS_BUDGET_MS).unref();
    }),
  );
  return Promise.race([command, late]).finally(() => {
    answered = true;
    clearTimeout(timer);
  });
}

/** withinBudget's refusal: Redis had not answered within the budget (it may yet). */
export class RedisLate extends Error {
  constructor() {
    super('Redis did not answer in time');
  }
}

/**
 * Redis counts as stalled while a command that took the budget has not been answered: while it is,
 * commands a request can do without fail at once (RedisLate), so a stall costs the budget once,
 * not once per request until node-redis's queue is full. It ends with that command's answer (or
 * its failure, when the connection drops), so a late answer that was this process's slowness
 * (start-up, a busy loop) pauses nothing for longer than it took. Commands that must be sent are
 * sent all the same, and count.
 */
export function stallGuard() {
  let unanswered = 0;
  const send = <T>(command: Promise<T>) =>
    withinBudget(command).catch((error: unknown) => {
      if (error instanceof RedisLate) {
        unanswered += 1;
        const answered = () => {
          unanswered -= 1;
        };
        command.then(answered, answered);
      }
      throw error;
    });
  return {
    send,
    optional: <T>(command: () => Promise<T>) => (unanswered > 0 ? Promise.reject(new RedisLate()) : send(command())),
  };
}
