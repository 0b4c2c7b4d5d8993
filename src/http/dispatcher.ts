import { Agent, interceptors, type Dispatcher } from 'undici';

/** How one vendor's connections are pooled and its idempotent reads retried. */
export interface DispatcherPolicy {
  /** Open connections per vendor origin at most (UPSTREAM_CONNECTIONS, default 32). */
  connections: number;
  /** Idle keep-alive before a pooled connection closes (default 10 s). */
  keepAliveTimeoutMs: number;
  /** Retries of a GET after a 429/502/503/504 or a reset connection (UPSTREAM_RETRIES, default 2). */
  maxRetries: number;
  /** First back-off; it doubles per retry, capped at maxRetryDelayMs (default 50 ms). */
  minRetryDelayMs: number;
  /** Longest back-off, also the cap on a vendor's Retry-After (default 1000 ms). */
  maxRetryDelayMs: number;
}

/**
 * Only GET is retried: the contract sends every write exactly once, since a retried POST could
 * post a message twice. Retries run inside the caller's deadline signal, so they never extend it.
 */
export function retryInterceptor(policy: DispatcherPolicy): Dispatcher.DispatcherComposeInterceptor {
  return interceptors.retry({
    maxRetries: policy.maxRetries,
    minTimeout: policy.minRetryDelayMs,
    maxTimeout: policy.maxRetryDelayMs,
    timeoutFactor: 2,
    methods: ['GET'],
    statusCodes: [429, 502, 503, 504],
    errorCodes: ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'UND_ERR_SOCKET'],
  });
}

/**
 * The dispatcher of one vendor: a keep-alive pool with a connection cap, plus the retry of reads.
 * Tests pass a MockAgent as `base` to get the same behaviour without a network.
 */
export function createVendorDispatcher(policy: DispatcherPolicy, base?: Dispatcher): Dispatcher {
  const agent =
    base ??
    new Agent({
      connections: policy.connections,
      keepAliveTimeout: policy.keepAliveTimeoutMs,
      pipelining: 1,
    });
  return agent.compose(retryInterceptor(policy));
}
