import type { ValidateFunction } from 'ajv';
import type { Dispatcher } from 'undici';
import type { Logger } from 'pino';
import type { UpstreamPolicy } from '../config.js';
import type { Provider } from '../model/provider.js';
import type { BreakerState, VendorMetrics } from '../observability/vendorMetrics.js';
import type { ReadCache } from './cache.js';
import { cacheReads } from './cacheReads.js';
import { withDeadline } from './deadline.js';
import { guard } from './guard.js';
import { compose, type UpstreamRequest } from './layer.js';
import { observe } from './observe.js';
import { send } from './send.js';
import { shareInFlight } from './shareInFlight.js';
import { writeEpochs } from './writeEpochs.js';

export type { UpstreamRequest } from './layer.js';

/** Settings of one vendor's HTTP client. */
export interface UpstreamOptions {
  provider: Provider;
  /** The vendor's base URL; its path (e.g. `/api/v2`) prefixes every request path. */
  baseUrl: URL;
  /** The vendor's pool with its retry policy (createVendorDispatcher). */
  dispatcher: Dispatcher;
  /** The vendor's UPSTREAM_* settings (deadline, queue, breaker, response size). */
  policy: UpstreamPolicy;
  /** Vendor requests at trace (headers redacted), failures at debug with the vendor's body (scrubbed). */
  logger: Logger;
  /** The cross-request read cache, when CACHE_TTL_MS > 0; none by default. */
  cache?: ReadCache;
  /** Where each vendor request's outcome goes; none by default. */
  metrics?: VendorMetrics;
}

export interface Upstream {
  readonly provider: Provider;
  /** The circuit breaker's state, for readiness and metrics. */
  breakerState(): BreakerState;
  request<T>(request: UpstreamRequest<T> & { validate: ValidateFunction<T>; allowEmpty: true }): Promise<T | undefined>;
  request<T>(request: UpstreamRequest<T> & { validate: ValidateFunction<T> }): Promise<T>;
  request(request: UpstreamRequest<unknown>): Promise<void>;
}

/**
 * The one door to a vendor, as a stack of layers (each file says what it adds): writes tracked →
 * identical reads shared → cached → observed → under a deadline → guarded → sent.
 */
export function createUpstream(options: UpstreamOptions): Upstream {
  const { provider, policy, cache } = options;
  const epochs = writeEpochs(provider, cache);
  const guarded = guard(provider, policy);
  const request = compose(epochs.layer, shareInFlight(epochs), cacheReads(provider, cache, options.baseUrl), observe(provider, options.metrics), withDeadline(policy.timeoutMs), guarded.layer)(send(options));
  return { provider, request, breakerState: guarded.state } as Upstream;
}
