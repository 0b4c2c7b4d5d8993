import { LRUCache } from 'lru-cache';
import type { Provider } from '../model/provider.js';

/** A cached vendor read: the validated payload and the provider generation it was read under. */
export interface CachedRead {
  data: unknown;
  generation: number;
}

/**
 * The cross-request cache of vendor reads (CACHE_TTL_MS > 0). Keys are hashes of the vendor
 * request — path, query and every header sent, so the credential and the Popsell brand — and
 * never hold a secret. A write to a vendor bumps that vendor's generation: entries read under an
 * older generation are no longer served, on this instance or (with Redis) any other.
 */
export interface ReadCache {
  /** The entry under `key`, if fresh, and the provider's current generation. */
  lookup(provider: Provider, key: string): Promise<{ hit: CachedRead | undefined; generation: number }>;
  store(provider: Provider, key: string, entry: CachedRead): Promise<void>;
  /** After a write: everything cached for the provider is stale. */
  invalidate(provider: Provider): Promise<void>;
  close(): Promise<void>;
}

/** One instance's cache: an LRU bounded by entries, with the TTL per entry (lru-cache). */
export function createMemoryCache(ttlMs: number, maxEntries: number): ReadCache {
  const entries = new LRUCache<string, CachedRead>({ max: maxEntries, ttl: ttlMs });
  const generations = new Map<Provider, number>();
  return {
    async lookup(provider, key) {
      const generation = generations.get(provider) ?? 0;
      const hit = entries.get(`${provider}:${key}`);
      return { hit: hit?.generation === generation ? hit : undefined, generation };
    },
    async store(provider, key, entry) {
      entries.set(`${provider}:${key}`, entry);
    },
    async invalidate(provider) {
      generations.set(provider, (generations.get(provider) ?? 0) + 1);
    },
    async close() {
      entries.clear();
    },
  };
}
