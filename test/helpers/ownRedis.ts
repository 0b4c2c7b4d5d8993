import { createClient } from 'redis';
import { afterAll, beforeAll } from 'vitest';
import { startRedis } from './redisServer.js';

/**
 * A test file's own redis-server, and a client to look into it and steer it (`admin`), started
 * before its tests (then `setup` runs with the client) and stopped after them.
 */
export function useOwnRedis(setup?: (admin: ReturnType<typeof createClient>) => Promise<unknown>) {
  const own = {} as { redis: Awaited<ReturnType<typeof startRedis>>; admin: ReturnType<typeof createClient> };
  beforeAll(async () => {
    own.redis = await startRedis();
    own.admin = createClient({ url: own.redis.url });
    await own.admin.connect();
    await setup?.(own.admin);
  });
  afterAll(async () => {
    await own.admin?.close();
    await own.redis?.stop();
  });
  return own;
}
