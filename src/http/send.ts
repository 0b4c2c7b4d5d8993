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

/** The escapes JSON writes other than `\u` (PHP's json_encode writes "/" as "\/" too). */
const JSON_ESCAPES = new Map(Object.entries({ '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }));
/** Whether `text` holds `digits` hex digits at `at`. */
const hexAt = (text: string, at: number, digits: number) => at + digits <= text.length && /^[0-9a-f]+$/i.test(text.slice(at, at + digits));

/**
 * A vendor's text with one kind of escape decoded: JSON's (`\uXXXX` in either case of hex, `\/`,
 * `\"`…), percent-encoding (`%XX`, either case) or a form's (the same, and "+" for a space; in
 * the other a "+" is itself, as encodeURI leaves it), with where each decoded character began and
 * ended in the text. A header value is a byte a character (latin1), as undici sends it, so `%XX`
 * decodes to the character of that byte. Whatever is not an escape is taken as itself, so an
 * encoder that escapes some characters only (PHP's JSON_HEX_* flags, encodeURI) is decoded too.
 */
function decoded(text: string, escapes: 'json' | 'percent' | 'form'): { chars: string; from: number[]; to: number[] } {
  let chars = '';
  const from: number[] = [];
  const to: number[] = [];
  for (let i = 0; i < text.length; ) {
    let char = text[i]!;
    let length = 1;
    if (escapes === 'json' && char === '\\' && text[i + 1] === 'u' && hexAt(text, i + 2, 4)) {
      [char, length] = [String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16)), 6];
    } else if (escapes === 'json' && char === '\\' && JSON_ESCAPES.has(text[i + 1] ?? '')) {
      [char, length] = [JSON_ESCAPES.get(text[i + 1]!)!, 2];
    } else if (escapes !== 'json' && char === '%' && hexAt(text, i + 1, 2)) {
      [char, length] = [String.fromCharCode(parseInt(text.slice(i + 1, i + 3), 16)), 3];
    } else if (escapes === 'form' && char === '+') {
      char = ' ';
    }
    chars += char;
    from.push(i);
    to.push(i + length);
    i += length;
  }
  return { chars, from, to };
}

/** Every credential value a request carried: each credential header's value, and the bare token after "Bearer ". */
function credentialValues(headers: Readonly<Record<string, string>>): string[] {
  const values = new Set<string>();
  for (const [name, value] of Object.entries(headers)) {
    if (!CREDENTIALS.has(name.toLowerCase()) || !value) continue;
    values.add(value);
    const bearer = /^Bearer\s+(.+)$/i.exec(value)?.[1];
    if (bearer) values.add(bearer);
  }
  return [...values];
}

/**
 * Where a vendor's text echoes a credential the request carried, as [start, end) ranges of the
 * text, in order and apart (a token inside a longer value is redacted with it): as sent (a
 * credential may hold what reads as an escape, "%41"), JSON-escaped, percent- or form-encoded. A base64
 * token holds "/" and "+"; attackers' passes saw tokens logged in each of these forms.
 */
function echoes(text: string, secrets: readonly string[]): [number, number][] {
  const found: [number, number][] = [];
  const identity = { chars: text, from: undefined, to: undefined };
  for (const { chars, from, to } of [identity, decoded(text, 'json'), decoded(text, 'percent'), decoded(text, 'form')]) {
    for (const secret of secrets) {
      for (let at = chars.indexOf(secret); at !== -1; at = chars.indexOf(secret, at + 1)) {
        found.push(from && to ? [from[at]!, to[at + secret.length - 1]!] : [at, at + secret.length]);
      }
    }
  }
  found.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [start, end] of found) {
    const last = merged.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

const redacted = (text: string, ranges: readonly [number, number][]) => {
  let result = '';
  let done = 0;
  for (const [start, end] of ranges) {
    result += `${text.slice(done, start)}[redacted]`;
    done = end;
  }
  return result + text.slice(done);
};

/** A vendor's text with every credential the request carried, however echoed, redacted. */
export function scrub(text: string, headers: Readonly<Record<string, string>>): string {
  return redacted(text, echoes(text, credentialValues(headers)));
}

const SNIPPET = 1024;

/**
 * The start of a vendor's error body, scrubbed, for the debug log; the rest is discarded. It is
 * cut at SNIPPET characters of what the vendor sent, or before a credential the cut would go
 * through (read past the cut by the longest a credential can come echoed, to see it whole), and
 * then scrubbed: cut first, a credential was logged in part; scrubbed first, a later one read in
 * part moved into it.
 */
async function snippet(body: Dispatcher.ResponseData['body'], headers: Readonly<Record<string, string>>): Promise<string> {
  const secrets = credentialValues(headers);
  // Escaped, a character comes as up to six (`\uXXXX`).
  const enough = SNIPPET + 6 * Math.max(0, ...secrets.map((secret) => secret.length));
  let text = '';
  for await (const chunk of body) {
    text += (chunk as Buffer).toString('utf8');
    if (text.length >= enough) break;
  }
  const found = echoes(text, secrets);
  // Echoes found are apart, so one at most runs through the cut: the cut moves to its start.
  const cut = found.find(([start, end]) => start < SNIPPET && end > SNIPPET)?.[0] ?? SNIPPET;
  return redacted(text.slice(0, cut), found.filter(([, end]) => end <= cut));
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
