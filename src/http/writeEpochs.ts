import type { Provider } from '../model/provider.js';
import type { ReadCache } from './cache.js';
import type { Layer, VendorCall } from './layer.js';

/** Counts the writes begun and settled, so that a read before a write is never shared with one after. */
export interface WriteEpochs {
  /** Bumped when a write starts and when it settles. */
  readonly current: number;
  layer: Layer;
}

/**
 * Adds write tracking: every write (a non-GET) bumps the epoch when it starts and when it settles,
 * and invalidates the read cache even when it failed (it may have happened). Assumes the
 * in-flight layer keys reads by `current`.
 */
export function writeEpochs(provider: Provider, cache: ReadCache | undefined): WriteEpochs {
  let current = 0;
  const layer: Layer = (next) => {
    const write = async (call: VendorCall) => {
      current += 1;
      try {
        return await next(call);
      } finally {
        current += 1;
        await cache?.invalidate(provider);
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
