import type { Dispatcher } from 'undici';
import type { Logger } from 'pino';
import type { UpstreamPolicy } from '../config.js';
import { GatewayError, afterWrite } from '../errors.js';
import type { Provider } from '../model/provider.js';
import { withTraceHeaders } from '../observability/tracing.js';
import type { RetryDispatchOptions } from './dispatcher.js';
import { statusError, toGatewayError } from './failures.js';
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
 * The start of a vendor's error body, for the debug log: SNIPPET characters of it at most; the
 * rest is discarded unread.
 */
async function snippet(body: Dispatcher.ResponseData['body']): Promise<{ text: string; cut: boolean }> {
  let text = '';
  for await (const chunk of body) {
    text += (chunk as Buffer).toString('utf8');
    if (text.length > SNIPPET) return { text: text.slice(0, SNIPPET), cut: true };
  }
  return { text, cut: false };
}

/**
 * A vendor's error answer, at debug with the start of its body, scrubbed. The body is read whether
 * or not it is logged (a short one read whole leaves the connection for the next call); it is
 * scrubbed only when logged, which costs more than the read.
 */
async function logErrorAnswer(logger: Logger, call: VendorCall, status: number, body: Dispatcher.ResponseData['body']): Promise<void> {
  const start = await snippet(body).catch(() => undefined);
  if (!logger.isLevelEnabled('debug')) return;
  const detail = start ? scrub(start.text, call.headers, start.cut) : '(unread)';
  logger.debug({ method: call.method, path: call.path, status, body: detail }, 'vendor answered an error');
}

/** A vendor answer refused (its shape, its size, a cut body), at debug with the start of the cause, scrubbed only when logged. */
function logRefused(logger: Logger, call: VendorCall, failure: GatewayError): void {
  if (!logger.isLevelEnabled('debug')) return;
  const text = JSON.stringify(failure.cause ?? failure.message) ?? '';
  const cause = scrub(text.slice(0, SNIPPET), call.headers, text.length > SNIPPET);
  logger.debug({ method: call.method, path: call.path, code: failure.code, cause }, 'vendor response refused');
}

const utf8 = new TextDecoder();

const tooLarge = (provider: Provider) => new GatewayError('UPSTREAM_ERROR', `${provider} sent a response larger than allowed.`, { provider });

/**
 * The body as text, never more than `limit` bytes. A body whose length the vendor declared (already
 * checked against the limit) is read whole: HTTP/1.1 framing ends it there, and undici fails one
 * that runs past its length (no interceptor decompresses it into more). One without is counted
 * chunk by chunk.
 */
async function readBody(body: Dispatcher.ResponseData['body'], declared: boolean, limit: number, provider: Provider): Promise<string> {
  if (declared) return body.text();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > limit) throw tooLarge(provider);
    chunks.push(chunk as Buffer);
  }
  // Decoded as body.text() decodes the other path (WHATWG UTF-8 decode: a byte-order mark is
  // dropped), so a vendor's answer parses alike whether or not it declared its length.
  return utf8.decode(Buffer.concat(chunks));
}

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

  async function exchange(call: VendorCall): Promise<Dispatcher.ResponseData> {
    // Most calls carry no query value (IW-ERP's build and package ids are usually unset): no
    // URLSearchParams for them.
    const values = Object.entries(call.query ?? {}).filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined);
    const search = values.length > 0 ? `?${new URLSearchParams(values.map(([key, value]) => [key, String(value)]))}` : '';
    const dispatch: Dispatcher.RequestOptions & RetryDispatchOptions = {
      origin,
      path: `${basePath}${call.path}${search}`,
      method: call.method,
      headers: withTraceHeaders({ accept: 'application/json', ...call.headers }),
      body: call.body ?? null,
      signal: call.signal ?? null,
      deadline: call.deadline ?? Date.now() + policy.timeoutMs,
      ...(call.onRetry ? { onRetry: call.onRetry } : {}),
    };
    logger.trace({ method: call.method, path: call.path, headers: dispatch.headers }, 'vendor request');
    try {
      return await dispatcher.request(dispatch);
    } catch (error) {
      throw toGatewayError(provider, error, call.signal);
    }
  }

  return async (call) => {
    const response = await exchange(call);
    try {
      const { statusCode, headers, body } = response;
      call.status = statusCode;
      if (statusCode >= 300) {
        // Its status is the answer, even when its body cannot be read (a reviewer's pass: a 409 whose
        // body was cut came as a write applied, with no status).
        await logErrorAnswer(logger, call, statusCode, body);
        throw statusError(provider, statusCode);
      }
      const length = Number(headers['content-length']);
      if (length > policy.maxResponseBytes) throw tooLarge(provider);
      return parse(call, await readBody(body, Number.isSafeInteger(length), policy.maxResponseBytes, provider), provider);
    } catch (error) {
      // The body is abandoned: close it, and swallow the abort error that destroying it emits.
      response.body.on('error', () => undefined).destroy();
      const failure = toGatewayError(provider, error, call.signal);
      if (!failure.extensions.upstreamStatus) {
        logRefused(logger, call, failure);
        // A write the vendor answered 2xx was made, whatever became of its answer (a reviewer's pass).
        if (call.method !== 'GET' && response.statusCode < 300) {
          throw afterWrite(failure, 'answer');
        }
      }
      throw failure;
    }
  };
}
