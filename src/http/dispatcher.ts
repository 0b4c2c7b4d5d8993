import { Agent, interceptors, type Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import type { UpstreamPolicy } from '../config.js';

/** What a GET may be retried after: the statuses of a vendor that may recover, and resets. */
const RETRY_STATUSES = [429, 502, 503, 504];
const RETRY_ERROR_CODES = ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'UND_ERR_SOCKET'];

/** Options the upstream client adds to each dispatch for the retry policy to read. */
export interface RetryDispatchOptions {
  /** Epoch ms by which the whole request must be done: no retry waits past it. */
  deadline: number;
  /** Called before each retry, for the retry counters. */
  onRetry?: () => void;
}

/** Retry-After in ms (seconds or an HTTP date), or undefined when absent or unreadable. */
function retryAfterMs(headers: Record<string, string | string[] | undefined> | undefined): number | undefined {
  const raw = headers?.['retry-after'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value) return undefined;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(ms) ? Math.max(0, ms) : undefined;
}

/** Whether a dispatch's answer has started to reach its caller (answerStarts). */
interface Answer {
  started: boolean;
}

/**
 * The retry decision undici's retry interceptor asks for: GET only (a write is sent exactly once:
 * a retried POST could post a message twice), on RETRY_STATUSES or a reset before the answer
 * started (answerStarts), with full-jitter back-off (a random wait below base·2ⁿ, so callers
 * retrying together do not stampede), honouring Retry-After, and never waiting past the request's
 * deadline.
 */
function retryDecision(policy: Pick<UpstreamPolicy, 'maxRetries' | 'minRetryDelayMs' | 'maxRetryDelayMs'>) {
  return (
    error: Error & { statusCode?: number; code?: string; headers?: Record<string, string | string[] | undefined> },
    { state, opts }: { state: { counter: number }; opts: Dispatcher.DispatchOptions & Partial<RetryDispatchOptions> & { answer?: Answer } },
    callback: (error?: Error | null) => void,
  ) => {
    const retriable =
      opts.method === 'GET' &&
      !opts.answer?.started &&
      state.counter <= policy.maxRetries &&
      (error.statusCode !== undefined ? RETRY_STATUSES.includes(error.statusCode) : RETRY_ERROR_CODES.includes(error.code ?? ''));
    if (!retriable) return callback(error);
    const asked = retryAfterMs(error.headers);
    if (asked !== undefined && asked > policy.maxRetryDelayMs) return callback(error);
    const ceiling = Math.min(policy.maxRetryDelayMs, policy.minRetryDelayMs * 2 ** (state.counter - 1));
    const wait = asked ?? Math.floor(Math.random() * ceiling);
    if (opts.deadline !== undefined && Date.now() + wait >= opts.deadline) return callback(error);
    opts.onRetry?.();
    setTimeout(() => callback(null), wait);
  };
}

/**
 * Marks each dispatch's answer as started once its head reaches the caller, for retryDecision:
 * undici's retry resumes a body cut off after that with a Range request, which a vendor (or a proxy
 * before it) that honours Range without a strong ETag answers from the resource as it is by then,
 * two versions stitched into one document that may pass the shape check and be cached (a
 * reviewer's finding). One that ignores Range made it "answered with status 200", no vendor fault.
 * So a read is retried whole, before its answer starts, or fails as the reset it met.
 */
const answerStarts: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (opts, handler) => {
  const answer = new AnswerStarts(handler);
  return dispatch({ ...opts, answer } as Dispatcher.DispatchOptions, answer);
};

/**
 * Drops informational heads (103 Early Hints), below the retry: undici's retry handler took a 103
 * for the answer's head and refused the final one ("Content-Range mismatch"), so a write the vendor
 * made came back as failed, and a client would send it again (a reviewer's pass).
 */
const finalHeadsOnly: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (opts, handler) => dispatch(opts, new FinalHeadsOnly(handler));

/** Hands every callback on to `handler`: the wrappers below each change one; one object per call, its methods shared. */
class Forward implements Dispatcher.DispatchHandler {
  constructor(private readonly handler: Dispatcher.DispatchHandler) {}
  onRequestStart(controller: Dispatcher.DispatchController, context: unknown) {
    this.handler.onRequestStart?.(controller, context);
  }
  onRequestUpgrade(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, socket: Duplex) {
    this.handler.onRequestUpgrade?.(controller, statusCode, headers, socket);
  }
  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string) {
    this.handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }
  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer) {
    this.handler.onResponseData?.(controller, chunk);
  }
  onResponseEnd(controller: Dispatcher.DispatchController, trailers: IncomingHttpHeaders) {
    this.handler.onResponseEnd?.(controller, trailers);
  }
  onResponseError(controller: Dispatcher.DispatchController, error: Error) {
    this.handler.onResponseError?.(controller, error);
  }
}

/** The caller's handler, marked `started` once the answer's head reaches it. */
class AnswerStarts extends Forward implements Answer {
  started = false;
  override onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string) {
    this.started = true;
    super.onResponseStart(controller, statusCode, headers, statusMessage);
  }
}

class FinalHeadsOnly extends Forward {
  override onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string) {
    if (statusCode >= 200) super.onResponseStart(controller, statusCode, headers, statusMessage);
  }
}

/**
 * The dispatcher of one vendor: a keep-alive pool with a connection cap, plus the retry of reads.
 * Tests pass a MockAgent as `base` to get the same behaviour without a network.
 */
export function createVendorDispatcher(policy: UpstreamPolicy, base?: Dispatcher): Dispatcher {
  const agent =
    base ??
    new Agent({
      connections: policy.connections,
      keepAliveTimeout: policy.keepAliveTimeoutMs,
      pipelining: 1,
    });
  return agent.compose(
    finalHeadsOnly,
    interceptors.retry({
      maxRetries: policy.maxRetries,
      methods: ['GET'],
      statusCodes: RETRY_STATUSES,
      errorCodes: RETRY_ERROR_CODES,
      retry: retryDecision(policy) as never,
    }),
    answerStarts,
  );
}
