import type { APQStore } from '@graphql-yoga/plugin-apq';
import type { Logger } from 'pino';
import { connectRedis, withinBudget } from '../http/redisConnection.js';

export interface ClosableAPQStore extends APQStore {
  close(): Promise<void>;
}

/**
 * Automatic Persisted Queries' documents in Redis (REDIS_URL), so a hash registered through one
 * instance is known to all: `chat-gateway:apq:<sha256>` → the document, expiring after `ttlMs`.
 * Redis being away or slow never fails a request: a lookup is then a miss (the client sends the
 * document again, as APQ intends) and a registration is dropped.
 */
export function createRedisApqStore(url: URL, ttlMs: number, logger: Logger): ClosableAPQStore {
  const { connected, degraded, close } = connectRedis(url, logger, 'Redis APQ store unavailable; persisted queries are registered again');
  const key = (hash: string) => `chat-gateway:apq:${hash}`;
  return {
    async get(hash) {
      try {
        return await withinBudget(connected.then((client) => client.get(key(hash))));
      } catch (error) {
        degraded(error);
        return null;
      }
    },
    async set(hash, document) {
      try {
        await withinBudget(connected.then((client) => client.set(key(hash), document, { PX: ttlMs })));
      } catch (error) {
        degraded(error);
      }
    },
    close,
  };
}
