import { GatewayError } from '../errors.js';
import type { Provider } from '../model/provider.js';

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

export function statusError(provider: Provider, status: number): GatewayError {
  const opts = { provider, upstreamStatus: status };
  if (status === 401) return new GatewayError('UNAUTHENTICATED', `${provider} rejected the credentials.`, opts);
  if (status === 403) return new GatewayError('FORBIDDEN', `${provider} denied access.`, opts);
  if (status === 404) return new GatewayError('NOT_FOUND', `${provider} has no such resource.`, opts);
  if (status === 400 || status === 422) {
    return new GatewayError('BAD_USER_INPUT', `${provider} refused the request as invalid.`, opts);
  }
  // The caller's request against what the vendor has (Messenger: a default chatroom that exists
  // already), no vendor fault: the same request fails again until the caller changes it.
  if (status === 409) {
    return new GatewayError('BAD_USER_INPUT', `${provider} refused the request: it conflicts with what the vendor has (it exists already).`, opts);
  }
  // The request as sent can never succeed (a credential or identifier too large for the vendor):
  // not transient, so a subscription sent so ends instead of polling for good.
  if (status === 413 || status === 414 || status === 431) {
    return new GatewayError('BAD_USER_INPUT', `${provider} refused the request as too large.`, opts);
  }
  if (status >= 300 && status < 400) {
    // Never followed: a redirect could carry the credential headers to another origin.
    return new GatewayError('UPSTREAM_ERROR', `${provider} answered with a redirect, which is not followed.`, opts);
  }
  return new GatewayError('UPSTREAM_ERROR', `${provider} answered with status ${status}.`, opts);
}

/** The call's signal fired because its callers went away, not because the deadline passed. */
const abandoned = (signal: AbortSignal | undefined) =>
  signal?.aborted === true && (signal.reason as { name?: string } | undefined)?.name !== 'TimeoutError';

/** Maps anything a request can throw to the one error type, with a contract code. */
export function toGatewayError(provider: Provider, error: unknown, signal?: AbortSignal): GatewayError {
  if (error instanceof GatewayError) return error;
  if (abandoned(signal)) {
    return new GatewayError('UPSTREAM_ERROR', `${provider} call abandoned: no caller waits for it.`, { provider, cause: error });
  }
  const e = error as { name?: string; code?: string; statusCode?: number };
  if (e?.name === 'TimeoutError' || (e?.code && TIMEOUT_CODES.has(e.code))) {
    return new GatewayError('UPSTREAM_TIMEOUT', `${provider} did not answer in time.`, { provider, cause: error });
  }
  if (e?.code === 'UND_ERR_REQ_RETRY' && typeof e.statusCode === 'number') return statusError(provider, e.statusCode);
  // undici refused to send a header value it cannot hold (a client's credential): no vendor saw
  // it, so it says nothing of the vendor's health, and sending it again would fail alike. Its other
  // refusals of what it was given are the gateway's own, not the client's.
  if (e?.code === 'UND_ERR_INVALID_ARG' && / header$/.test(String((error as Error).message))) {
    return new GatewayError('BAD_USER_INPUT', `The request to ${provider} could not be sent: a credential holds characters no HTTP header can carry.`, { provider, cause: error, unsent: true });
  }
  return new GatewayError('UPSTREAM_ERROR', `${provider} could not be reached.`, { provider, cause: error });
}

/**
 * What counts against a vendor's circuit: a 5xx, a timeout, a connection failure or an unreadable
 * answer. A 3xx or 4xx never does (a client's junk identifier answered 431 says nothing of the
 * vendor's health, and must not let one client open the circuit for all), nor a call abandoned by
 * its callers.
 */
export function isVendorFault(error: unknown, signal?: AbortSignal): boolean {
  if (!(error instanceof GatewayError) || abandoned(signal)) return false;
  const status = error.extensions.upstreamStatus;
  if (typeof status === 'number') return status >= 500;
  return error.code === 'UPSTREAM_ERROR' || error.code === 'UPSTREAM_TIMEOUT';
}
