import type { APQStore } from '@graphql-yoga/plugin-apq';
import type { Logger } from 'pino';
import { connectRedis, withinBudget } from '../http/redisConnection.js';

export interface ClosableAPQStore extends APQStore {
  close(): Promise<void>;
}

const PREFIX = 'chat-gateway:apq:';
const INDEX = 'chat-gateway:apq-index';

/**
 * Stores a document and keeps at most `max` over all instances: the index holds each hash by the
 * time it was registered, and the oldest registered go first (their documents with them). In one
 * script, so that instances registering at once cannot leave more. A document that expired leaves
 * its hash in the index until it is pushed out, which the bound counts.
 */
const REGISTER = `
redis.call('SET', ARGV[1] .. ARGV[2], ARGV[3], 'PX', ARGV[4])
redis.call('ZADD', KEYS[1], ARGV[5], ARGV[2])
local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[6])
if excess > 0 then
  local oldest = redis.call('ZPOPMIN', KEYS[1], excess)
  for i = 1, #oldest, 2 do redis.call('DEL', ARGV[1] .. oldest[i]) end
end`;

/**
 * Automatic Persisted Queries' documents in Redis (REDIS_URL), so a hash registered through one
 * instance is known to all: `chat-gateway:apq:<sha256>` → the document, expiring after `ttlMs`, at
 * most `maxEntries` of them (APQ_MAX_ENTRIES, over all instances: an attacker registered 200 MB of
 * documents in 10 s, kept for a day). Redis being away or slow never fails a request: a lookup is
 * then a miss (the client sends the document again, as APQ intends) and a registration is dropped.
 */
export function createRedisApqStore(url: URL, settings: { ttlMs: number; maxEntries: number }, logger: Logger): ClosableAPQStore {
  const { connected, degraded, close } = connectRedis(url, logger, 'Redis APQ store unavailable; persisted queries are registered again');
  const key = (hash: string) => `${PREFIX}${hash}`;
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
        const args = [PREFIX, hash, document, String(settings.ttlMs), String(Date.now()), String(settings.maxEntries)];
        await withinBudget(connected.then((client) => client.eval(REGISTER, { keys: [INDEX], arguments: args })));
      } catch (error) {
        degraded(error);
      }
    },
    close,
  };
}
