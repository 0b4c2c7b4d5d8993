import { createHash } from 'node:crypto';
import type { Provider } from '../model/provider.js';
import type { ReadCache } from './cache.js';
import type { Layer } from './layer.js';
import { readKey } from './readKey.js';

/**
 * Adds the cross-request read cache to GETs: served from it when fresh, stored in it when the
 * vendor answers. Assumes the layer below answers validated payloads only, and that writes
 * invalidate the cache (the write-epoch layer does). Entries are kept by the vendor's base URL too:
 * deployments sharing a Redis (staging and production, two tenants) that send the same credential
 * would otherwise answer each other's reads (a reviewer's pass).
 */
export const cacheReads =
  (provider: Provider, cache: ReadCache | undefined, baseUrl: URL): Layer =>
  (next) => {
    if (!cache) return next;
    const deployment = createHash('sha256').update(baseUrl.href).digest('base64url').slice(0, 16);
    return async (call) => {
      if (call.method !== 'GET') return next(call);
      const key = `${deployment}:${readKey(call)}`;
      const { hit, generation } = await cache.lookup(provider, key);
      // A poll is there to see the vendor's state now: it refreshes the cache, never reads from it.
      if (hit && call.priority !== 'poll') return hit.data;
      const data = await next(call);
      // Stored under the generation read before the call: a write meanwhile makes it stale at once.
      await cache.store(provider, key, { data, generation });
      return data;
    };
  };
