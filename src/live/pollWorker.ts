/**
 * The poll worker (LIVE_POLL_WORKER): a thread of its own that makes the live poller's vendor
 * reads. The main thread keeps the schedule, the diffs and the delivery; each poll costs it one
 * small message each way, while the HTTP exchange, the parsing, the validation and the mapping,
 * and the garbage they leave, happen here, on another core and in a heap of their own.
 *
 * The reads go through the same vendor door as a query's (createUpstreams: deadline, retries,
 * queue, breaker, pool), built here from the main thread's settings, with the poll lane's share of
 * each vendor's connections. Every request's outcome is reported back for the main thread's
 * metrics; no read cache (a poll never reads from one, and one here would serve nobody).
 */
import { hash } from 'node:crypto';
import { serialize } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config.js';
import { GatewayError } from '../errors.js';
import { createLogger } from '../logger.js';
import { PROVIDERS, type Provider, type ProviderKey } from '../model/provider.js';
import type { BreakerState, VendorMetrics } from '../observability/vendorMetrics.js';
import type { Credentials } from '../upstreams/credentials.js';
import { createUpstreams } from '../upstreams/index.js';
import { resourceOf } from './resources.js';

/** What the main thread hands the worker at its start (all of it structured-cloneable). */
export interface PollWorkerData {
  baseUrls: Partial<Record<ProviderKey, string>>;
  /** The vendors' policies (UPSTREAM_*), for a pool of the worker's own. */
  upstreams: Config['upstreams'];
  messengerPaths: Config['messengerPaths'];
  maxPageSize: number;
  logLevel: string;
  logPretty: boolean;
}

/**
 * Main → worker: read a pair's resource with these credentials (the vendor's own part only), or
 * give up on a read. `since` is the tag of the state the main thread holds for the pair.
 */
export type PollRequest = { id: number; provider: Provider; key: string; credentials: Credentials; since: string | undefined } | { cancel: number };

/** A vendor request's outcome, as VendorMetrics.observe or .retried takes it. */
export type VendorReport = ['observe', Provider, string, string, string, number] | ['retried', Provider, string, string];

/**
 * Worker → main: the model object read and its tag (a hash of its structured-clone bytes), or
 * `same` when the tag is the `since` of the request (no object is sent: the main thread keeps its
 * own), or the error; with the metrics and breaker states since the last answer.
 */
export interface PollAnswer {
  id: number;
  value?: unknown;
  tag?: string;
  same?: true;
  error?: { code: string | undefined; message: string; provider: Provider | undefined; upstreamStatus: number | undefined };
  reports: VendorReport[];
  breakers: Partial<Record<Provider, BreakerState>>;
}

const port = parentPort;
if (!port) throw new Error('pollWorker.ts runs as a worker thread (pollWorkerClient.ts starts it).');
const data = workerData as PollWorkerData;
const logger = createLogger(data.logLevel, undefined, data.logPretty).child({ thread: 'poll worker' });
let reports: VendorReport[] = [];
const metrics: VendorMetrics = {
  observe: (...args) => void reports.push(['observe', ...args]),
  retried: (...args) => void reports.push(['retried', ...args]),
};
const baseUrls = Object.fromEntries(Object.entries(data.baseUrls).map(([key, href]) => [key, new URL(href)]));
const { adapters, upstreams } = createUpstreams(
  { upstreams: data.upstreams, messengerPaths: data.messengerPaths, cacheTtlMs: 0, cacheMaxEntries: 0, redisUrl: undefined },
  baseUrls,
  logger,
  { metrics },
);
const reading = new Map<number, AbortController>();

function answer(id: number, outcome: Pick<PollAnswer, 'value' | 'tag' | 'same' | 'error'>) {
  const breakers: PollAnswer['breakers'] = {};
  for (const provider of PROVIDERS) {
    const upstream = upstreams[provider];
    if (upstream) breakers[provider] = upstream.breakerState();
  }
  port?.postMessage({ id, ...outcome, reports, breakers } satisfies PollAnswer);
  // Cleared once sent: an answer that could not be cloned keeps its reports for the next.
  reports = [];
}

async function read(id: number, provider: Provider, key: string, credentials: Credentials, since: string | undefined) {
  const controller = new AbortController();
  reading.set(id, controller);
  try {
    const value = await resourceOf(adapters, provider, key, data.maxPageSize).fetch(credentials, controller.signal);
    // Most polls find the state unchanged: then the main thread neither receives nor compares it.
    const tag = hash('sha256', serialize(value), 'base64');
    answer(id, tag === since ? { same: true } : { value, tag });
  } catch (error) {
    const gateway = error instanceof GatewayError ? error : undefined;
    // A vendor's failure is coded and reported; anything else is a defect here, said where it happened.
    if (!gateway && !controller.signal.aborted) logger.error({ err: error, provider, key }, 'A poll failed in the poll worker');
    answer(id, {
      error: {
        code: gateway?.code,
        message: error instanceof Error ? error.message : String(error),
        provider: gateway?.provider,
        upstreamStatus: gateway?.extensions.upstreamStatus as number | undefined,
      },
    });
  } finally {
    reading.delete(id);
  }
}

port.on('message', (request: PollRequest) => {
  if ('cancel' in request) reading.get(request.cancel)?.abort();
  else void read(request.id, request.provider, request.key, request.credentials, request.since);
});
