import type { APQStore } from '@graphql-yoga/plugin-apq';
import type { Logger } from 'pino';
import { connectRedis } from '../http/redisConnection.js';

export interface ClosableAPQStore extends APQStore {
  close(): Promise<void>;
}

// One hash tag, so that both keys a script names live on one node of a Redis Cluster too.
const REGISTERED = 'chat-gateway:{apq}:registered';
const DOCUMENTS = 'chat-gateway:{apq}:documents';

/**
 * Stores a document and keeps at most `max` over all instances: REGISTERED holds each hash by the
 * time it was registered; those older than the TTL go, then the oldest past the bound, their
 * documents with them. In one script, so that instances registering at once cannot leave more.
 * Both keys expire a TTL after the last registration.
 */
const REGISTER = `
local now, ttl = tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[1], now, ARGV[1])
for _, hash in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - ttl))) do
  redis.call('ZREM', KEYS[1], hash)
  redis.call('HDEL', KEYS[2], hash)
end
local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[5])
if excess > 0 then
  local oldest = redis.call('ZPOPMIN', KEYS[1], excess)
  for i = 1, #oldest, 2 do redis.call('HDEL', KEYS[2], oldest[i]) end
end
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)`;

/** A registered document, unless it is older than the TTL (ARGV[2]: the oldest registration time still valid). */
const LOOKUP = `
local at = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not at or tonumber(at) < tonumber(ARGV[2]) then return false end
return redis.call('HGET', KEYS[2], ARGV[1])`;

/**
 * Automatic Persisted Queries' documents in Redis (REDIS_URL), so a hash registered through one
 * instance is known to all, for `ttlMs` after its registration, at most `maxEntries` of them
 * (APQ_MAX_ENTRIES, over all instances: an attacker registered 200 MB of documents in 10 s, kept
 * for a day). Redis being away or slow never fails a request: a lookup is then a miss (the client
 * sends the document again, as APQ intends) and a registration is dropped.
 */
export function createRedisApqStore(url: URL, settings: { ttlMs: number; maxEntries: number }, logger: Logger): ClosableAPQStore {
  const { degraded, optional, close } = connectRedis(url, logger, 'Redis APQ store unavailable; persisted queries are registered again', {
    name: 'chat-gateway:apq',
  });
  const keys = [REGISTERED, DOCUMENTS];
  return {
    async get(hash) {
      try {
        const args = [hash, String(Date.now() - settings.ttlMs)];
        return (await optional((client) => client.eval(LOOKUP, { keys, arguments: args }))) as string | null;
      } catch (error) {
        degraded(error);
        return null;
      }
    },
    async set(hash, document) {
      try {
        const args = [hash, document, String(Date.now()), String(settings.ttlMs), String(settings.maxEntries)];
        await optional((client) => client.eval(REGISTER, { keys, arguments: args }));
      } catch (error) {
        degraded(error);
      }
    },
    close,
  };
}
