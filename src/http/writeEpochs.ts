import { GatewayError } from '../errors.js';
import type { Provider } from '../model/provider.js';
import type { ReadCache } from './cache.js';
import type { Layer, VendorCall } from './layer.js';

/** Counts the writes begun and settled, so that a read before a write is never shared with one after. */
export interface WriteEpochs {
  /** Bumped when a write starts and when it settles. */
  readonly current: number;
  layer: Layer;
}

/** Answers by which a vendor refuses a request, changing nothing: malformed, unauthorized, forbidden, conflicting, invalid, too many. */
const REFUSALS = new Set([400, 401, 403, 409, 422, 429]);

/** The write changed nothing at the vendor: it never went out, or the vendor refused it. */
const changedNothing = (error: unknown) =>
  error instanceof GatewayError && (error.unsent || REFUSALS.has(error.extensions.upstreamStatus as number));

/**
 * Adds write tracking: every write (a non-GET) bumps the epoch when it starts and when it settles,
 * and invalidates the read cache unless it changed nothing (never sent, or refused): a failed one
 * may have happened, and one answered 404 says what the cache may still show. Invalidating for
 * the others let any caller with a revoked or junk token keep every caller's cache cold, on every
 * instance, the more so while the vendor's circuit is open. Assumes the in-flight layer keys reads
 * by `current`.
 */
export function writeEpochs(provider: Provider, cache: ReadCache | undefined): WriteEpochs {
  let current = 0;
  const layer: Layer = (next) => {
    const write = async (call: VendorCall) => {
      current += 1;
      let outcome: unknown;
      try {
        return await next(call);
      } catch (error) {
        outcome = error;
        throw error;
      } finally {
        current += 1;
        if (!changedNothing(outcome)) await cache?.invalidate(provider);
      }
    };
    return (call) => (call.method === 'GET' ? next(call) : write(call));
  };
  return {
    get current() {
      return current;
    },
    layer,
  };
}
