import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import type { Provider } from '../model/provider.js';
import { connectRedis } from './redisConnection.js';

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

/** How often lookups send an undelivered invalidation again, at most. */
const RESEND_MS = 1000;

/**
 * The cache shared by every instance (REDIS_URL): entries under `chat-gateway:read:…` with the TTL
 * set by Redis, and one generation counter per vendor (`chat-gateway:generation:…`) that a write
 * on any instance increments. A lookup is one MGET of the entry and its vendor's generation.
 * Redis being away or stalled never fails a request: the read goes to the vendor instead.
 *
 * A write's invalidation that does not reach Redis (its connection down, a reviewer's finding: the
 * reads cached before the write were served for the whole TTL, by every instance) is kept, and sent
 * again each time the connection is ready, and by this instance's lookups of that vendor at most
 * once a second (Redis refusing it while connected, out of memory or read-only), until Redis has
 * it; meanwhile this instance reads that vendor from the vendor, while the others may still serve
 * what was cached before the write.
 */
export function createRedisCache(url: URL, ttlMs: number, logger: Logger): ReadCache {
  const generationKey = (provider: Provider) => `chat-gateway:generation:${provider}`;
  const entryKey = (provider: Provider, key: string) => `chat-gateway:read:${provider}:${key}`;
  /** Vendors with a write whose invalidation Redis has not had yet, by the count of their invalidations asked for. */
  const undelivered = new Map<Provider, number>();
  /** When a lookup last sent an undelivered invalidation again, by vendor. */
  const resent = new Map<Provider, number>();
  const { degraded, send, optional, close } = connectRedis(url, logger, 'Redis cache unavailable; reading from the vendors', {
    name: 'chat-gateway:cache',
    onReady: () => undelivered.forEach((_, provider) => void bump(provider)),
  });
  /** Increments the vendor's generation; once Redis has an increment sent after the last invalidation asked for, none is undelivered. */
  async function bump(provider: Provider) {
    const asked = undelivered.get(provider);
    const delivered = () => {
      if (undelivered.get(provider) === asked) undelivered.delete(provider);
    };
    try {
      // Sent even while Redis is stalled: it reaches Redis when Redis answers again.
      await send((client) => client.incr(generationKey(provider)).then(delivered));
    } catch (error) {
      degraded(error);
    }
  }
  return {
    async lookup(provider, key) {
      if (undelivered.has(provider)) {
        if (Date.now() - (resent.get(provider) ?? 0) >= RESEND_MS) {
          resent.set(provider, Date.now());
          void bump(provider);
        }
        return { hit: undefined, generation: Number.NaN };
      }
      try {
        const [generation, entry] = await optional((client) => client.mGet([generationKey(provider), entryKey(provider, key)]));
        const current = Number(generation ?? 0);
        const hit = entry ? (JSON.parse(entry) as CachedRead) : undefined;
        return { hit: hit?.generation === current ? hit : undefined, generation: current };
      } catch (error) {
        degraded(error);
        return { hit: undefined, generation: Number.NaN };
      }
    },
    async store(provider, key, entry) {
      // NaN: the generation could not be read, so the entry could not be checked later either.
      if (Number.isNaN(entry.generation)) return;
      try {
        await optional((client) => client.set(entryKey(provider, key), JSON.stringify(entry), { PX: ttlMs }));
      } catch (error) {
        degraded(error);
      }
    },
    async invalidate(provider) {
      undelivered.set(provider, (undelivered.get(provider) ?? 0) + 1);
      await bump(provider);
    },
    close,
  };
}
