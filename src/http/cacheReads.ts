import type { Provider } from '../model/provider.js';
import type { ReadCache } from './cache.js';
import type { Layer } from './layer.js';
import { readKey } from './readKey.js';

/**
 * Adds the cross-request read cache to GETs: served from it when fresh, stored in it when the
 * vendor answers. Assumes the layer below answers validated payloads only, and that writes
 * invalidate the cache (the write-epoch layer does).
 */
export const cacheReads =
  (provider: Provider, cache: ReadCache | undefined): Layer =>
  (next) =>
    !cache
      ? next
      : async (call) => {
          if (call.method !== 'GET') return next(call);
          const key = readKey(call);
          const { hit, generation } = await cache.lookup(provider, key);
          // A poll is there to see the vendor's state now: it refreshes the cache, never reads from it.
          if (hit && call.priority !== 'poll') return hit.data;
          const data = await next(call);
          // Stored under the generation read before the call: a write meanwhile makes it stale at once.
          await cache.store(provider, key, { data, generation });
          return data;
        };
