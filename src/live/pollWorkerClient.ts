/**
 * The main thread's side of the poll worker (pollWorker.ts, LIVE_POLL_WORKER): the live registry's
 * reader. Each poll is one message to the worker (the pair's vendor, its resource key and the
 * subscriber's credential for that vendor, nothing of the others) and one back (the model object,
 * or the error, rebuilt as the GatewayError it was). The worker starts when the first pair is
 * watched, so an instance nobody subscribes to never pays for a second thread, and a poll never
 * waits for it to start (with REDIS_URL, the first poll may come when this instance takes a lease
 * over from one that died).
 *
 * A poll that finds the state unchanged (most do) answers only that: the worker tags each state it
 * sends with a hash of its bytes, the main thread sends back the tag of the state it holds, and on
 * a match it keeps its own object instead of receiving and comparing another.
 *
 * Its vendor door is its own, so two things the main thread's door did for polls are done here:
 * - metrics: the worker reports every vendor request, and they are counted as if made here;
 * - the breaker: a vendor whose breaker the worker reported open pauses its polls for the
 *   breaker's reset time, as the main thread's own breaker does.
 * A worker that dies fails its polls in flight as transient (subscribers hear nothing). Polls then
 * read on this thread, through the resource's own adapter, until another worker is started: a
 * second later, then twice as long after each death in a row, up to five minutes, so a worker
 * that cannot start costs a log line now and then, not a thread per poll.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { GatewayError, type ErrorCode } from '../errors.js';
import { providerKey, type Provider } from '../model/provider.js';
import type { VendorMetrics } from '../observability/vendorMetrics.js';
import type { Credentials } from '../upstreams/credentials.js';
import type { PollAnswer, PollRequest, PollWorkerData } from './pollWorker.js';
import type { LiveResource, PollReader } from './registry.js';

export interface PollWorkerOptions {
  data: PollWorkerData;
  metrics?: VendorMetrics;
  logger: Logger;
}

export interface PollWorker extends PollReader {
  /** True while the worker's last word on the vendor's breaker was "open", for at most its reset time. */
  paused(provider: Provider): boolean;
}

// Run from the sources (tests, `npm run dev`), the worker is TypeScript too: it registers tsx,
// as its parent did, before loading it (a worker does not inherit its parent's module hooks).
// tsx is resolved here, from this file, since an eval'd worker would resolve it from the cwd.
const fromSources = import.meta.url.endsWith('.ts');
const entry = fromSources
  ? `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ register }) => { register(); return import(${JSON.stringify(new URL('./pollWorker.ts', import.meta.url).href)}); })`
  : new URL('./pollWorker.js', import.meta.url);

/** The wait before starting a worker again after its first death in a row, doubled per death since. */
const RESTART_MS = 1000;
const MAX_RESTART_MS = 5 * 60_000;

interface Waiting {
  provider: Provider;
  /** The pair's latest state, answered again when the worker finds the same. */
  previous: unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export function createPollWorker(options: PollWorkerOptions): PollWorker {
  const { logger } = options;
  let worker: Worker | undefined;
  let nextId = 0;
  let closed = false;
  /** Deaths since the last answer, and when the next worker may start (until then, polls read here). */
  let deaths = 0;
  let restartAt = 0;
  const waiting = new Map<number, Waiting>();
  const openUntil = new Map<Provider, number>();
  /** The worker's tag of each state it sent, held as long as the state itself. */
  const tags = new WeakMap<object, string>();

  const stopped = (provider: Provider) => new GatewayError('UPSTREAM_ERROR', 'The poll worker stopped.', { provider });

  function settle(answer: PollAnswer) {
    for (const report of answer.reports) {
      if (report[0] === 'observe') options.metrics?.observe(report[1], report[2], report[3], report[4], report[5]);
      else options.metrics?.retried(report[1], report[2], report[3]);
    }
    for (const [provider, state] of Object.entries(answer.breakers) as [Provider, string][]) {
      // As long as the worker's breaker fails fast before it lets a probe through (*_BREAKER_RESET_MS).
      if (state === 'open') openUntil.set(provider, Date.now() + options.data.upstreams[providerKey(provider)].breakerResetMs);
      else openUntil.delete(provider);
    }
    deaths = 0;
    const waiter = waiting.get(answer.id);
    if (!waiter) return;
    waiting.delete(answer.id);
    const { error } = answer;
    if (answer.same) return waiter.resolve(waiter.previous);
    if (!error) {
      if (answer.tag && typeof answer.value === 'object' && answer.value !== null) tags.set(answer.value, answer.tag);
      return waiter.resolve(answer.value);
    }
    waiter.reject(
      error.code
        ? new GatewayError(error.code as ErrorCode, error.message, {
            ...(error.provider ? { provider: error.provider } : {}),
            ...(error.upstreamStatus !== undefined ? { upstreamStatus: error.upstreamStatus } : {}),
          })
        : new Error(error.message),
    );
  }

  function start() {
    const started = new Worker(entry, { workerData: options.data, eval: fromSources });
    // The HTTP server keeps the process up; the worker alone must not (a test's process, a failed start).
    started.unref();
    started.on('message', settle);
    started.on('error', (error) => logger.error({ err: error }, 'The poll worker failed'));
    started.on('exit', (code) => {
      if (worker === started) worker = undefined;
      if (!closed) {
        deaths += 1;
        const waitMs = Math.min(MAX_RESTART_MS, RESTART_MS * 2 ** (deaths - 1));
        restartAt = Date.now() + waitMs;
        logger.error(`The poll worker exited (code ${code}); polls read on the main thread for ${waitMs} ms, then another worker starts`);
      }
      for (const [id, waiter] of waiting) {
        waiting.delete(id);
        waiter.reject(stopped(waiter.provider));
      }
    });
    return started;
  }

  return {
    read<T>(resource: LiveResource<T>, credentials: Credentials, signal: AbortSignal, previous: T | undefined): Promise<T> {
      const { provider } = resource;
      if (closed) return Promise.reject(stopped(provider));
      if (signal.aborted) return Promise.reject(signal.reason);
      if (!worker && Date.now() < restartAt) return resource.fetch(credentials, signal);
      worker ??= start();
      const thread = worker;
      const id = (nextId += 1);
      const key = providerKey(provider);
      // Only the vendor's own credential crosses over.
      const own = { iwerp: null, popsell: null, messenger: null, [key]: credentials[key] } as Credentials;
      return new Promise<T>((resolve, reject) => {
        const onAbort = () => {
          waiting.delete(id);
          thread.postMessage({ cancel: id } satisfies PollRequest);
          reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        const done = () => signal.removeEventListener('abort', onAbort);
        waiting.set(id, {
          provider,
          previous,
          resolve: (value) => {
            done();
            resolve(value as T);
          },
          reject: (error) => {
            done();
            reject(error);
          },
        });
        const since = typeof previous === 'object' && previous !== null ? tags.get(previous) : undefined;
        thread.postMessage({ id, provider, key: resource.key, credentials: own, since } satisfies PollRequest);
      });
    },
    warm() {
      if (!closed && !worker && Date.now() >= restartAt) worker = start();
    },
    paused(provider) {
      const until = openUntil.get(provider);
      return until !== undefined && Date.now() < until;
    },
    async close() {
      closed = true;
      await worker?.terminate();
    },
  };
}
