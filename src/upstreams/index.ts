import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { Config } from '../config.js';
import type { Adapters } from '../context.js';
import { GatewayError } from '../errors.js';
import { createMemoryCache, createRedisCache } from '../http/cache.js';
import { createVendorDispatcher } from '../http/dispatcher.js';
import { createUpstream, type Upstream } from '../http/upstream.js';
import { providerKey, type Provider, type ProviderKey } from '../model/provider.js';
import type { VendorMetrics } from '../observability/vendorMetrics.js';
import { createIwerpAdapter } from './iwerp/index.js';
import { createMessengerAdapter } from './messenger/index.js';
import { createPopsellAdapter } from './popsell/index.js';

export interface Upstreams {
  adapters: Adapters;
  /** Each configured vendor's upstream client (readiness and metrics read their state). */
  upstreams: Partial<Record<Provider, Upstream>>;
  /** Closes every vendor's connection pool. */
  close(): Promise<void>;
}

/** A vendor without a base URL (others are configured): its fields fail without a call. */
const unconfigured = (provider: Provider): Upstream => ({
  provider,
  breakerState: () => 'closed',
  request: async () => {
    throw new GatewayError('UPSTREAM_ERROR', `${provider} is not configured on this gateway.`, { provider });
  },
});

/**
 * Builds the adapters once at start: one dispatcher (connection pool + read retries) and one
 * upstream client per configured vendor. `base` replaces the pools, e.g. with a MockAgent in tests;
 * `metrics` receives every vendor request's outcome.
 */
export function createUpstreams(
  config: Pick<Config, 'upstreams' | 'messengerPaths' | 'cacheTtlMs' | 'cacheMaxEntries' | 'redisUrl'>,
  baseUrls: Partial<Record<ProviderKey, URL>>,
  logger: Logger,
  options: { base?: Dispatcher; metrics?: VendorMetrics } = {},
): Upstreams {
  const { base, metrics } = options;
  const dispatchers: Dispatcher[] = [];
  const cache =
    config.cacheTtlMs <= 0
      ? undefined
      : config.redisUrl
        ? createRedisCache(config.redisUrl, config.cacheTtlMs, logger)
        : createMemoryCache(config.cacheTtlMs, config.cacheMaxEntries);
  const configured: Partial<Record<Provider, Upstream>> = {};
  const upstream = (provider: Provider): Upstream => {
    const key = providerKey(provider);
    const baseUrl = baseUrls[key];
    if (!baseUrl) return unconfigured(provider);
    const policy = config.upstreams[key];
    const dispatcher = createVendorDispatcher(policy, base);
    dispatchers.push(dispatcher);
    configured[provider] = createUpstream({
      provider,
      baseUrl,
      dispatcher,
      policy,
      logger,
      ...(cache ? { cache } : {}),
      ...(metrics ? { metrics } : {}),
    });
    return configured[provider];
  };
  return {
    adapters: {
      IWERP: createIwerpAdapter(upstream('IWERP')),
      POPSELL: createPopsellAdapter(upstream('POPSELL')),
      MESSENGER: createMessengerAdapter(upstream('MESSENGER'), config.messengerPaths),
    },
    upstreams: configured,
    close: async () => {
      await cache?.close();
      // A test's MockAgent belongs to the test, which closes it.
      if (!base) await Promise.all(dispatchers.map((d) => d.close()));
    },
  };
}
