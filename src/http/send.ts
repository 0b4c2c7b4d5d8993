import type { Dispatcher } from 'undici';
import type { Logger } from 'pino';
import type { UpstreamPolicy } from '../config.js';
import { GatewayError, afterWrite } from '../errors.js';
import { SECRET_HEADERS } from '../logger.js';
import type { Provider } from '../model/provider.js';
import { withTraceHeaders } from '../observability/tracing.js';
import type { RetryDispatchOptions } from './dispatcher.js';
import { statusError, toGatewayError } from './failures.js';
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

const CREDENTIALS = new Set(SECRET_HEADERS.map((h) => h.toLowerCase()));

/**
 * Every credential value a request carried, so that a vendor body echoing them can be scrubbed
 * before it is logged: each credential header's value, and the bare token after "Bearer ", each
 * also as a vendor's JSON may write it (`"` and `\` escaped, and `/` as `\/` by PHP's
 * json_encode) and percent-encoded; a base64 token holds `/` and `+` (an attacker's pass saw
 * them logged so).
 */
function credentialValues(headers: Readonly<Record<string, string>>): string[] {
  const values = new Set<string>();
  for (const [name, value] of Object.entries(headers)) {
    if (!CREDENTIALS.has(name.toLowerCase()) || !value) continue;
    const bearer = /^Bearer\s+(.+)$/i.exec(value)?.[1];
    for (const secret of bearer ? [value, bearer] : [value]) {
      const escaped = JSON.stringify(secret).slice(1, -1);
      for (const written of [secret, escaped, escaped.replaceAll('/', '\\/'), encodeURIComponent(secret)]) values.add(written);
    }
  }
  // Longest first: a token inside a longer value is replaced after the value itself.
  return [...values].sort((a, b) => b.length - a.length);
}

export function scrub(text: string, headers: Readonly<Record<string, string>>): string {
  let result = text;
  for (const value of credentialValues(headers)) result = result.split(value).join('[redacted]');
  return result;
}

const SNIPPET = 1024;

/**
 * The start of a vendor's error body, scrubbed, for the debug log; the rest is discarded. It is
 * cut at SNIPPET characters of what the vendor sent, or before a credential the cut would go
 * through (read past the cut by the longest credential to see it whole), and then scrubbed: cut
 * first, a credential was logged in part; scrubbed first, a later one read in part moved into it.
 */
async function snippet(body: Dispatcher.ResponseData['body'], headers: Readonly<Record<string, string>>): Promise<string> {
  const secrets = credentialValues(headers);
  const enough = SNIPPET + (secrets[0]?.length ?? 0);
  let text = '';
  for await (const chunk of body) {
    text += (chunk as Buffer).toString('utf8');
    if (text.length >= enough) break;
  }
  let cut = Math.min(text.length, SNIPPET);
  for (let moved = true; moved; ) {
    moved = false;
    for (const secret of secrets) {
      const at = text.lastIndexOf(secret, cut - 1);
      if (at !== -1 && at + secret.length > cut) {
        cut = at;
        moved = true;
      }
    }
  }
  return scrub(text.slice(0, cut), headers);
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
        const detail = await snippet(body, call.headers).catch(() => '(unread)');
        logger.debug({ method: call.method, path: call.path, status: statusCode, body: detail }, 'vendor answered an error');
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
        const cause = scrub(JSON.stringify(failure.cause ?? failure.message) ?? '', call.headers);
        logger.debug({ method: call.method, path: call.path, code: failure.code, cause }, 'vendor response refused');
        // A write the vendor answered 2xx was made, whatever became of its answer (a reviewer's pass).
        if (call.method !== 'GET' && response.statusCode < 300) {
          throw afterWrite(failure, 'answer');
        }
      }
      throw failure;
    }
  };
}
