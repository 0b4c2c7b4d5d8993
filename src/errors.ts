import { GraphQLError } from 'graphql';
import type { Provider } from './model/provider.js';

/** The error codes of the contract; every error a client sees carries one in `extensions.code`. */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'UNSUPPORTED_BY_PROVIDER'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_ERROR'
  /** LIVE_MAX_SUBSCRIPTIONS or its per-credential limit reached: refused before any vendor call. */
  | 'TOO_MANY_SUBSCRIPTIONS';

export interface GatewayErrorOptions {
  /** The vendor that caused the error, when one did. */
  provider?: Provider;
  /** The vendor's HTTP status, when it answered one. */
  upstreamStatus?: number;
  /** The underlying failure: kept for the debug log, never serialized to clients. */
  cause?: unknown;
  /** A mutation's write reached the vendor, though the error came after it. */
  writeApplied?: boolean;
  /** The request never went out (an open circuit, a full queue, a header undici refused): nothing changed at the vendor. */
  unsent?: boolean;
}

/**
 * The one error type of the gateway. It is a GraphQLError so yoga shows it unmasked, with its code
 * and provider; anything else thrown is masked. Messages are short and plain: never a vendor body,
 * a URL or a credential (the cause keeps those for the debug log only).
 */
export class GatewayError extends GraphQLError {
  readonly code: ErrorCode;
  readonly provider: Provider | undefined;
  override readonly cause: unknown;
  /** See GatewayErrorOptions; not shown to clients. */
  readonly unsent: boolean;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    const extensions: Record<string, unknown> = { code };
    if (options.provider) extensions.provider = options.provider;
    if (options.upstreamStatus !== undefined) extensions.upstreamStatus = options.upstreamStatus;
    if (options.writeApplied) extensions.writeApplied = true;
    // No originalError: yoga masks a GraphQLError that wraps a plain Error, and this one is
    // already safe to show.
    super(message, { extensions });
    this.code = code;
    this.provider = options.provider;
    this.cause = options.cause;
    this.unsent = options.unsent ?? false;
  }
}

/** `failure`, met after a write the vendor made: says so (`writeApplied`), so a client does not send the write again. */
export const afterWrite = (failure: GatewayError, what: string) =>
  new GatewayError(failure.code, `The write was applied; reading its ${what} failed: ${failure.message}`, {
    ...(failure.provider ? { provider: failure.provider } : {}),
    cause: failure.cause,
    writeApplied: true,
  });

export const badInput = (message: string, provider?: Provider) =>
  new GatewayError('BAD_USER_INPUT', message, provider ? { provider } : {});

/** `allowed` says where the operation is supported, so the message tells the client what to do instead. */
export const unsupported = (provider: Provider, operation: string, allowed: string) =>
  new GatewayError('UNSUPPORTED_BY_PROVIDER', `${provider} does not support ${operation}; ${allowed}.`, { provider });
