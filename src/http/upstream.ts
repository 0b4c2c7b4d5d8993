import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import CircuitBreaker from 'opossum';
import PQueue from 'p-queue';
import type { Dispatcher } from 'undici';
import type { ValidateFunction } from 'ajv';
import type { UpstreamPolicy } from '../config.js';
import { GatewayError } from '../errors.js';
import type { Logger } from 'pino';
import type { Provider } from '../model/provider.js';
import type { VendorMetrics } from '../observability/metrics.js';
import { SpanKind, finish, tracer, withTraceHeaders } from '../observability/tracing.js';
import type { ReadCache } from './cache.js';
import type { RetryDispatchOptions } from './dispatcher.js';

/** Settings of one vendor's HTTP client. */
export interface UpstreamOptions {
  provider: Provider;
  /** The vendor's base URL; its path (e.g. `/api/v2`) prefixes every request path. */
  baseUrl: URL;
  /** The vendor's pool with its retry policy (createVendorDispatcher). */
  dispatcher: Dispatcher;
  policy: UpstreamPolicy;
  /** Vendor requests at trace (headers redacted), failures at debug with the vendor's body. */
  logger: Logger;
  /** The cross-request read cache, when CACHE_TTL_MS > 0. */
  cache?: ReadCache;
  metrics?: VendorMetrics;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

/** One logical vendor request, across its retries: what metrics and spans report. */
interface Attempt {
  retried(): void;
  /** The last HTTP status the vendor answered. */
  status?: number;
}

export interface UpstreamRequest<T> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Already expanded and encoded: see expandPath. */
  path: string;
  /** The path's template, e.g. `/chatroom/{roomID}`: names the route in metrics and spans. */
  route: string;
  query?: Readonly<Record<string, string | number | boolean | undefined>>;
  headers: Readonly<Record<string, string>>;
  body?: string | Buffer | Readable | null;
  /** Checks the parsed body; omit for responses the gateway does not read. */
  validate?: ValidateFunction<T>;
  /** A write whose vendor may answer with an empty body (204) instead of the resource. */
  allowEmpty?: boolean;
}

export interface Upstream {
  readonly provider: Provider;
  /** The circuit breaker's state, for readiness and metrics. */
  breakerState(): BreakerState;
  request<T>(request: UpstreamRequest<T> & { validate: ValidateFunction<T>; allowEmpty: true }): Promise<T | undefined>;
  request<T>(request: UpstreamRequest<T> & { validate: ValidateFunction<T> }): Promise<T>;
  request(request: UpstreamRequest<unknown>): Promise<void>;
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

function statusError(provider: Provider, status: number): GatewayError {
  const opts = { provider, upstreamStatus: status };
  if (status === 401) return new GatewayError('UNAUTHENTICATED', `${provider} rejected the credentials.`, opts);
  if (status === 403) return new GatewayError('FORBIDDEN', `${provider} denied access.`, opts);
  if (status === 404) return new GatewayError('NOT_FOUND', `${provider} has no such resource.`, opts);
  if (status === 400 || status === 422) {
    return new GatewayError('BAD_USER_INPUT', `${provider} refused the request as invalid.`, opts);
  }
  if (status >= 300 && status < 400) {
    // Never followed: a redirect could carry the credential headers to another origin.
    return new GatewayError('UPSTREAM_ERROR', `${provider} answered with a redirect, which is not followed.`, opts);
  }
  return new GatewayError('UPSTREAM_ERROR', `${provider} answered with status ${status}.`, opts);
}

/** Maps anything a request can throw to the one error type, with a contract code. */
function toGatewayError(provider: Provider, error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  const e = error as { name?: string; code?: string; statusCode?: number };
  if (e?.name === 'TimeoutError' || (e?.code && TIMEOUT_CODES.has(e.code))) {
    return new GatewayError('UPSTREAM_TIMEOUT', `${provider} did not answer in time.`, { provider, cause: error });
  }
  if (e?.code === 'UND_ERR_REQ_RETRY' && typeof e.statusCode === 'number') return statusError(provider, e.statusCode);
  return new GatewayError('UPSTREAM_ERROR', `${provider} could not be reached.`, { provider, cause: error });
}

/** The start of a vendor's error body, for the debug log; the rest is discarded. */
async function snippet(body: Dispatcher.ResponseData['body']): Promise<string> {
  let text = '';
  for await (const chunk of body) {
    text += (chunk as Buffer).toString('utf8');
    if (text.length >= 1024) break;
  }
  return text.slice(0, 1024);
}

async function readBody(body: Dispatcher.ResponseData['body'], limit: number, provider: Provider): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      throw new GatewayError('UPSTREAM_ERROR', `${provider} sent a response larger than allowed.`, { provider });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The one door to a vendor. Every request runs under one deadline signal that covers connecting,
 * retries, headers and a body that trickles in (undici's own timeouts reset on each chunk); 3xx is
 * never followed; bodies are size-capped, parsed and validated against the vendor contract, so a
 * resolver only ever sees a payload of the documented shape.
 */
export function createUpstream(options: UpstreamOptions): Upstream {
  const { provider, dispatcher, policy } = options;
  const logger = options.logger.child({ provider });
  const origin = options.baseUrl.origin;
  const basePath = options.baseUrl.pathname.replace(/\/+$/, '');

  async function send<T>(req: UpstreamRequest<T>, signal: AbortSignal, deadline: number, attempt: Attempt): Promise<T | void> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined) query.set(key, String(value));
    }
    const search = query.size > 0 ? `?${query}` : '';
    let response: Dispatcher.ResponseData;
    try {
      const dispatch: Dispatcher.RequestOptions & RetryDispatchOptions = {
        origin,
        path: `${basePath}${req.path}${search}`,
        method: req.method,
        headers: withTraceHeaders({ accept: 'application/json', ...req.headers }),
        body: req.body ?? null,
        signal,
        deadline,
        onRetry: attempt.retried,
      };
      logger.trace({ method: req.method, path: req.path, headers: dispatch.headers }, 'vendor request');
      response = await dispatcher.request(dispatch);
    } catch (error) {
      throw toGatewayError(provider, error);
    }
    try {
      const { statusCode, headers, body } = response;
      attempt.status = statusCode;
      if (statusCode >= 300) {
        const detail = await snippet(body);
        logger.debug({ method: req.method, path: req.path, status: statusCode, body: detail }, 'vendor answered an error');
        throw statusError(provider, statusCode);
      }
      const declared = Number(headers['content-length']);
      if (declared > policy.maxResponseBytes) {
        throw new GatewayError('UPSTREAM_ERROR', `${provider} sent a response larger than allowed.`, { provider });
      }
      const text = await readBody(body, policy.maxResponseBytes, provider);
      if (!req.validate || (req.allowEmpty && text.trim() === '')) return;
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch (cause) {
        throw new GatewayError('UPSTREAM_ERROR', `${provider} sent a response that is not JSON.`, { provider, cause });
      }
      if (!req.validate(data)) {
        throw new GatewayError('UPSTREAM_ERROR', `${provider} sent a response of an unexpected shape.`, {
          provider,
          cause: req.validate.errors,
        });
      }
      return data;
    } catch (error) {
      // The body is abandoned: close it, and swallow the abort error that destroying it emits.
      response.body.on('error', () => undefined).destroy();
      const failure = toGatewayError(provider, error);
      if (!failure.extensions.upstreamStatus) {
        logger.debug({ method: req.method, path: req.path, code: failure.code, cause: JSON.stringify(failure.cause ?? failure.message) }, 'vendor response refused');
      }
      throw failure;
    }
  }

  // Only the vendor's own faults count against its circuit: a 404 or 401 says nothing of its health.
  const vendorFault = (error: unknown) =>
    error instanceof GatewayError && (error.code === 'UPSTREAM_ERROR' || error.code === 'UPSTREAM_TIMEOUT');
  const breaker = new CircuitBreaker(send, {
    timeout: false,
    resetTimeout: policy.breakerResetMs,
    errorThresholdPercentage: policy.breakerErrorPercent,
    volumeThreshold: policy.breakerVolume,
    rollingCountTimeout: 10_000,
    errorFilter: (error: unknown) => !vendorFault(error),
  });
  const queue = new PQueue({ concurrency: policy.concurrency });
  const unavailable = (why: string) => new GatewayError('UPSTREAM_ERROR', `${provider} is ${why}.`, { provider });

  /**
   * The guard around every request: a bounded queue in front of a concurrency cap (a slow vendor
   * cannot take every socket and all memory), then the circuit breaker, which fails this vendor's
   * fields fast while it is down and lets one probe through after breakerResetMs. The deadline
   * starts before the queue, so waiting counts against it.
   */
  async function guarded<T>(req: UpstreamRequest<T>, attempt: Attempt): Promise<T | void> {
    const deadline = Date.now() + policy.timeoutMs;
    const signal = AbortSignal.timeout(policy.timeoutMs);
    if (breaker.opened) throw unavailable('failing; its circuit is open');
    if (queue.pending >= policy.concurrency && queue.size >= policy.maxQueue) {
      throw unavailable('overloaded; too many requests are waiting');
    }
    try {
      return (await queue.add(() => breaker.fire(req, signal, deadline, attempt), { signal })) as T | void;
    } catch (error) {
      if ((error as { code?: string }).code === 'EOPENBREAKER') throw unavailable('failing; its circuit is open');
      throw toGatewayError(provider, error);
    }
  }

  /** One vendor request as operators see it: a client span and the request metrics. */
  function request<T>(req: UpstreamRequest<T>): Promise<T | void> {
    const attributes = { 'chat.provider': provider, 'http.request.method': req.method, 'http.route': req.route };
    return tracer.startActiveSpan(`${req.method} ${req.route}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
      const started = performance.now();
      const attempt: Attempt = {
        retried: () => {
          span.addEvent('retry');
          options.metrics?.retried(provider, req.method, req.route);
        },
      };
      // The metric's status is the vendor's last HTTP status, or the error code when none came.
      const observe = (error?: GatewayError) => {
        const status = attempt.status ?? error?.extensions.upstreamStatus;
        if (typeof status === 'number') span.setAttribute('http.response.status_code', status);
        if (error) span.setAttribute('error.type', error.code);
        options.metrics?.observe(provider, req.method, req.route, String(status ?? error?.code), (performance.now() - started) / 1000);
        finish(span, error);
      };
      try {
        const result = await guarded(req, attempt);
        observe();
        return result;
      } catch (error) {
        observe(error as GatewayError);
        throw error;
      }
    });
  }

  const { cache } = options;

  /** A read through the cache: served from it when fresh, stored in it when the vendor answers. */
  async function cachedRead<T>(req: UpstreamRequest<T>, key: string): Promise<T | void> {
    if (!cache) return request(req);
    const { hit, generation } = await cache.lookup(provider, key);
    if (hit) return hit.data as T;
    const data = await request(req);
    // Stored under the generation read before the call: a write meanwhile makes it stale at once.
    await cache.store(provider, key, { data, generation });
    return data;
  }

  /**
   * Writes in progress or done: a read started before a write must not be shared with a read
   * started after it, so the epoch (bumped when a write starts and when it settles) is part of the
   * in-flight key. The read cache is invalidated even when the write failed: it may have happened.
   */
  let writeEpoch = 0;
  async function write<T>(req: UpstreamRequest<T>): Promise<T | void> {
    writeEpoch += 1;
    try {
      return await request(req);
    } finally {
      writeEpoch += 1;
      await cache?.invalidate(provider);
    }
  }

  /**
   * Identical reads in flight at once share one vendor call: same path, query and headers, so the
   * same credential and brand (the key is a hash: no secret is kept in it). Writes never share.
   */
  const inFlight = new Map<string, Promise<unknown>>();
  function deduplicated<T>(req: UpstreamRequest<T>): Promise<T | void> {
    if (req.method !== 'GET') return write(req);
    const key = createHash('sha256').update(JSON.stringify([req.path, req.query, req.headers])).digest('base64url');
    const sharedKey = `${writeEpoch}:${key}`;
    const pending = inFlight.get(sharedKey);
    if (pending) return pending as Promise<T>;
    const started = cachedRead(req, key).finally(() => inFlight.delete(sharedKey));
    inFlight.set(sharedKey, started);
    return started;
  }


  const breakerState = (): BreakerState => (breaker.opened ? 'open' : breaker.halfOpen ? 'half-open' : 'closed');
  return { provider, request: deduplicated, breakerState } as Upstream;
}
