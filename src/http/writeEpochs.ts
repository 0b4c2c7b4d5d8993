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

/** The vendor answered the write with a 4xx: it refused it, so nothing changed there. */
const refused = (error: unknown) => {
  const status = error instanceof GatewayError ? error.extensions.upstreamStatus : undefined;
  return typeof status === 'number' && status >= 400 && status < 500;
};

/**
 * Adds write tracking: every write (a non-GET) bumps the epoch when it starts and when it settles,
 * and invalidates the read cache unless the vendor refused it (a 4xx): a failed one may have
 * happened. A refused one did not, and invalidating for it let any caller with a revoked token keep
 * every caller's cache cold, on every instance. Assumes the in-flight layer keys reads by `current`.
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
        if (!refused(outcome)) await cache?.invalidate(provider);
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
