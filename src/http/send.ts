import type { Dispatcher } from 'undici';
import type { Logger } from 'pino';
import type { UpstreamPolicy } from '../config.js';
import { GatewayError, afterWrite } from '../errors.js';
import type { Provider } from '../model/provider.js';
import { withTraceHeaders } from '../observability/tracing.js';
import type { RetryDispatchOptions } from './dispatcher.js';
import { statusError, toGatewayError } from './failures.js';
import { AnswerFailed, collect, type Collected } from './collect.js';
import { scrub } from './scrub.js';
import type { Handler, VendorCall } from './layer.js';

/** Settings of the send layer of one vendor. */
export interface SendOptions {
  provider: Provider;
  /** The vendor's base URL; its path (e.g. `/api/v2`) prefixes every request path. */
  baseUrl: URL;
  /** The vendor's pool with its retry policy (createVendorDispatcher). */
  dispatcher: Dispatcher;
  policy: Pick<UpstreamPolicy, 'timeoutMs' | 'maxResponseBytes'>;
  /** Vendor requests at trace (headers redacted), failures at debug with the vendor's body (scrubbed). */
  logger: Logger;
}

const SNIPPET = 1024;

/**
 * A vendor's error answer, at debug with the start of its body (read whether or not it is logged,
 * see collect), scrubbed only when logged, which costs more than the read.
 */
function logErrorAnswer(logger: Logger, call: VendorCall, answer: Collected): void {
  if (!logger.isLevelEnabled('debug')) return;
  const detail = answer.text === undefined ? '(unread)' : scrub(answer.text, call.headers, answer.cut);
  logger.debug({ method: call.method, path: call.path, status: answer.status, body: detail }, 'vendor answered an error');
}

/** A vendor answer refused (its shape, its size, a cut body), at debug with the start of the cause, scrubbed only when logged. */
function logRefused(logger: Logger, call: VendorCall, failure: GatewayError): void {
  if (!logger.isLevelEnabled('debug')) return;
  const text = JSON.stringify(failure.cause ?? failure.message) ?? '';
  const cause = scrub(text.slice(0, SNIPPET), call.headers, text.length > SNIPPET);
  logger.debug({ method: call.method, path: call.path, code: failure.code, cause }, 'vendor response refused');
}

const tooLarge = (provider: Provider) => new GatewayError('UPSTREAM_ERROR', `${provider} sent a response larger than allowed.`, { provider });

/** Parses and validates a body: a resolver only ever sees a payload of the documented shape. */
function parse(call: VendorCall, text: string, provider: Provider): unknown {
  if (!call.validate || (call.allowEmpty && text.trim() === '')) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new GatewayError('UPSTREAM_ERROR', `${provider} sent a response that is not JSON.`, { provider, cause });
  }
  if (!call.validate(data)) {
    throw new GatewayError('UPSTREAM_ERROR', `${provider} sent a response of an unexpected shape.`, { provider, cause: call.validate.errors });
  }
  return data;
}

/**
 * The innermost handler: one HTTP exchange under the call's signal and deadline (which cover
 * connecting, retries, headers and a body that trickles in; undici's own timeouts reset on each
 * chunk). 3xx is never followed; bodies are size-capped, parsed and validated. Assumes the layers
 * above set `signal` and `deadline`.
 */
export function send(options: SendOptions): Handler {
  const { provider, dispatcher, policy } = options;
  const logger = options.logger.child({ provider });
  const origin = options.baseUrl.origin;
  const basePath = options.baseUrl.pathname.replace(/\/+$/, '');

  const limits = { maxBytes: policy.maxResponseBytes, snippet: SNIPPET, tooLarge: () => tooLarge(provider) };

  /** One HTTP exchange: its status and body (see collect). */
  function exchange(call: VendorCall): Promise<Collected> {
    // Most calls carry no query value (IW-ERP's build and package ids are usually unset): no
    // URLSearchParams for them.
    const values = Object.entries(call.query ?? {}).filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined);
    const search = values.length > 0 ? `?${new URLSearchParams(values.map(([key, value]) => [key, String(value)]))}` : '';
    const dispatch: Dispatcher.DispatchOptions & RetryDispatchOptions = {
      origin,
      path: `${basePath}${call.path}${search}`,
      method: call.method,
      headers: withTraceHeaders({ accept: 'application/json', ...call.headers }),
      body: call.body ?? null,
      deadline: call.deadline ?? Date.now() + policy.timeoutMs,
      ...(call.onRetry ? { onRetry: call.onRetry } : {}),
    };
    logger.trace({ method: call.method, path: call.path, headers: dispatch.headers }, 'vendor request');
    return collect(dispatcher, dispatch, call.signal ?? null, limits);
  }

  return async (call) => {
    let status: number | undefined;
    try {
      const answer = await exchange(call);
      status = call.status = answer.status;
      if (answer.status >= 300) {
        // Its status is the answer, even when its body cannot be read (a reviewer's pass: a 409 whose
        // body was cut came as a write applied, with no status).
        logErrorAnswer(logger, call, answer);
        throw statusError(provider, answer.status);
      }
      return parse(call, answer.text ?? '', provider);
    } catch (error) {
      if (error instanceof AnswerFailed) status = call.status = error.status;
      const failure = toGatewayError(provider, error instanceof AnswerFailed ? error.cause : error, call.signal);
      if (status !== undefined && !failure.extensions.upstreamStatus) {
        logRefused(logger, call, failure);
        // A write the vendor answered 2xx was made, whatever became of its answer (a reviewer's pass).
        if (call.method !== 'GET' && status < 300) throw afterWrite(failure, 'answer');
      }
      throw failure;
    }
  };
}
