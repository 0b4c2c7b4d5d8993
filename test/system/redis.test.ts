import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEMO_HEADERS } from '../../src/gateway.js';
import { encodeGlobalId } from '../../src/model/globalId.js';
import { startSimulators, type Simulators } from '../../src/simulators/index.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { redisProxy, startRedis } from '../helpers/redisServer.js';
import { createRedisCache } from '../../src/http/cache.js';
import { REDIS_BUDGET_MS, REDIS_MAX_QUEUED, connectRedis } from '../../src/http/redisConnection.js';
import { createLogger } from '../../src/logger.js';

let redis: Awaited<ReturnType<typeof startRedis>>;
let vendors: Simulators;
let a: TestGateway;
let b: TestGateway;

beforeAll(async () => {
  redis = await startRedis();
  vendors = await startSimulators({ record: true });
  const env = { CACHE_TTL_MS: '60000', REDIS_URL: redis.url };
  [a, b] = await Promise.all([startGateway({ env, simulators: vendors }), startGateway({ env, simulators: vendors })]);
  await untilBothUseRedis();
});

/**
 * A lookup made before an instance's Redis client is ready (loading the client library included)
 * gives up after the 250 ms command budget and reads from the vendor, by design; on a loaded
 * machine that can be the first reads after start. Warm both up on another room until a read
 * through one is a hit for the other, so the tests below count calls of connected instances.
 */
async function untilBothUseRedis() {
  const warmUp = encodeGlobalId('Chatroom', 'MESSENGER', { chatroom: '24' });
  const readWarmUp = (gw: TestGateway) => gw.query('query($id: ID!) { chatroom(id: $id) { id } }', { id: warmUp }, DEMO_HEADERS);
  for (let attempt = 0; attempt < 50; attempt++) {
    await readWarmUp(a);
    const before = vendors.messenger.requests.length;
    await readWarmUp(b);
    if (vendors.messenger.requests.length === before) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the instances never shared a cached read through Redis');
}

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await vendors?.close();
  await redis?.stop();
});

const messengerCalls = () => vendors.messenger.requests.length;
const ROOM = encodeGlobalId('Chatroom', 'MESSENGER', { chatroom: '25' });
const read = (gw: TestGateway, headers = DEMO_HEADERS) => gw.query('query($id: ID!) { chatroom(id: $id) { name } }', { id: ROOM }, headers);
/** Posts a GraphQL body as it is (APQ's extensions included), with the demo credentials. */
async function send(gw: TestGateway, body: object) {
  const response = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json', ...DEMO_HEADERS }, body: JSON.stringify(body) });
  return (await response.json()) as { data?: unknown; errors?: { extensions: { code: string } }[] };
}

describe('the read cache in Redis, shared by instances', () => {
  it('a read through one instance is a hit for another', async () => {
    const before = messengerCalls();
    expect((await read(a)).data).toEqual({ chatroom: { name: 'Team 25' } });
    expect((await read(b)).data).toEqual({ chatroom: { name: 'Team 25' } });
    expect(messengerCalls() - before).toBe(1);
  });

  it('is never shared across credentials', async () => {
    const before = messengerCalls();
    await read(b, { ...DEMO_HEADERS, 'api-token': 'another-organization-token' });
    expect(messengerCalls() - before).toBe(1);
  });

  it('a write through one instance invalidates what the other cached', async () => {
    await read(b);
    const renamed = await a.query('mutation($id: ID!) { updateChatroom(id: $id, input: { name: "Renamed in A" }) { name } }', { id: ROOM });
    expect(renamed.errors).toBeUndefined();
    const before = messengerCalls();
    expect((await read(b)).data).toEqual({ chatroom: { name: 'Renamed in A' } });
    expect(messengerCalls() - before).toBe(1);
  });
});

describe("the instances' connections", () => {
  it("are named in Redis's CLIENT LIST by feature, live's by instance too", async () => {
    const { createClient } = await import('redis');
    const admin = createClient({ url: redis.url });
    await admin.connect();
    try {
      const names = ((await admin.sendCommand(['CLIENT', 'LIST'])) as string).match(/(?<= name=)chat-gateway\S*/g) ?? [];
      const count = (pattern: RegExp) => names.filter((name) => pattern.test(name)).length;
      expect(count(/^chat-gateway:cache$/)).toBe(2);
      expect(count(/^chat-gateway:apq$/)).toBe(2);
      const instances = names.flatMap((name) => /^chat-gateway:live:(\S+)$/.exec(name)?.slice(1) ?? []);
      expect(new Set(instances).size).toBe(2);
      expect(names.filter((name) => name.startsWith('chat-gateway:live-listen:')).sort()).toEqual(instances.map((id) => `chat-gateway:live-listen:${id}`).sort());
    } finally {
      await admin.close();
    }
  });
});

describe('a write through an instance that cannot reach Redis', () => {
  // A reviewer's finding: its invalidation failed at once (no offline queue) and was never sent
  // again, so the reads cached before the write were served for the whole TTL, by every instance.
  it('is invalidated once its connection is back: no instance serves what was cached before it', async () => {
    const proxy = await redisProxy(redis.url);
    const cutOff = await startGateway({ env: { CACHE_TTL_MS: '60000', REDIS_URL: proxy.url }, simulators: vendors });
    const room = encodeGlobalId('Chatroom', 'MESSENGER', { chatroom: '27' });
    const readRoom = (gw: TestGateway) => gw.query('query($id: ID!) { chatroom(id: $id) { name } }', { id: room });
    try {
      // Cached in Redis by b, and a hit for the instance that will write.
      expect((await readRoom(b)).data).toEqual({ chatroom: { name: 'Team 27' } });
      await vi.waitFor(async () => {
        const before = messengerCalls();
        await readRoom(cutOff);
        expect(messengerCalls()).toBe(before);
      });
      proxy.cut();
      const renamed = await cutOff.query('mutation($id: ID!) { updateChatroom(id: $id, input: { name: "Renamed while cut off" }) { name } }', { id: room });
      expect(renamed.data).toEqual({ updateChatroom: { name: 'Renamed while cut off' } });
      expect((await readRoom(cutOff)).data).toEqual({ chatroom: { name: 'Renamed while cut off' } });
      proxy.restore();
      // Once its connection is back, the invalidation reaches Redis: for the writer and for b.
      await vi.waitFor(async () => expect((await readRoom(b)).data).toEqual({ chatroom: { name: 'Renamed while cut off' } }), { timeout: 5000, interval: 100 });
      expect((await readRoom(cutOff)).data).toEqual({ chatroom: { name: 'Renamed while cut off' } });
    } finally {
      await cutOff.close();
      await proxy.close();
    }
  });
});

describe('a write whose invalidation Redis refuses while connected (out of memory)', () => {
  // A reviewer's second reading: it was sent again only when the connection was ready again, which
  // a refusal without a disconnect never is, and the reads cached before the write stayed served.
  it('is sent again by the writer\'s next lookups until Redis has it', async () => {
    const own = await startRedis();
    const { createClient } = await import('redis');
    const admin = createClient({ url: own.url });
    await admin.connect();
    const writer = createRedisCache(new URL(own.url), 60_000, createLogger('silent'));
    const other = createRedisCache(new URL(own.url), 60_000, createLogger('silent'));
    try {
      await vi.waitFor(async () => expect((await other.lookup('MESSENGER', 'k')).generation).toBe(0));
      await other.store('MESSENGER', 'k', { data: 'before the write', generation: 0 });
      await vi.waitFor(async () => expect((await writer.lookup('MESSENGER', 'k')).hit?.data).toBe('before the write'));
      await admin.configSet({ maxmemory: '1', 'maxmemory-policy': 'noeviction' });
      await writer.invalidate('MESSENGER');
      expect(await admin.get('chat-gateway:generation:MESSENGER')).toBeNull();
      await admin.configSet({ maxmemory: '0' });
      expect((await writer.lookup('MESSENGER', 'k')).hit).toBeUndefined();
      await vi.waitFor(async () => {
        await writer.lookup('MESSENGER', 'k');
        expect(await admin.get('chat-gateway:generation:MESSENGER')).toBe('1');
      }, { timeout: 3000, interval: 100 });
      expect((await other.lookup('MESSENGER', 'k')).hit).toBeUndefined();
    } finally {
      await Promise.all([writer.close(), other.close()]);
      await admin.quit();
      await own.stop();
    }
  });
});

describe('Automatic Persisted Queries in Redis, shared by instances', () => {
  const document = 'query ApqShared($id: ID!) { chatroom(id: $id) { name } }';
  const sha256Hash = createHash('sha256').update(document).digest('hex');
  const byHash = { variables: { id: ROOM }, extensions: { persistedQuery: { version: 1, sha256Hash } } };

  it('a document registered through one instance runs by its hash on the other', async () => {
    expect((await send(b, byHash)).errors?.[0]?.extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect((await send(a, { ...byHash, query: document })).errors).toBeUndefined();
    expect((await send(b, byHash)).data).toEqual({ chatroom: { name: expect.any(String) } });
  });
});

describe('the APQ store in Redis', () => {
  it('keeps APQ_MAX_ENTRIES documents over all instances, the oldest registered going first', async () => {
    // An attacker's pass registered 200 documents of 1 MB in 10 s, kept for a day with no bound.
    const own = await startRedis();
    const gateways = await Promise.all([0, 1].map(() => startGateway({ env: { REDIS_URL: own.url, APQ_MAX_ENTRIES: '3' }, simulators: vendors })));
    try {
      const documents = Array.from({ length: 5 }, (_, i) => `query Registered${i} { __typename }`);
      const hashOf = (document: string) => createHash('sha256').update(document).digest('hex');
      const byHash = (document: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: hashOf(document) } } });
      for (const [i, document] of documents.entries()) {
        expect((await send(gateways[i % 2]!, { ...byHash(document), query: document })).data).toEqual({ __typename: 'Query' });
      }
      const known = await Promise.all(documents.map(async (document) => (await send(gateways[0]!, byHash(document))).data !== undefined));
      expect(known).toEqual([false, false, true, true, true]);
      const { createClient } = await import('redis');
      const inspector = createClient({ url: own.url });
      await inspector.connect();
      try {
        expect(await inspector.hLen('chat-gateway:{apq}:documents')).toBe(3);
      } finally {
        await inspector.quit();
      }
      // And for APQ_TTL_MS after its registration.
      const brief = await startGateway({ env: { REDIS_URL: own.url, APQ_TTL_MS: '300' }, simulators: vendors });
      gateways.push(brief);
      const document = 'query Brief { __typename }';
      expect((await send(brief, { ...byHash(document), query: document })).data).toEqual({ __typename: 'Query' });
      expect((await send(brief, byHash(document))).data).toEqual({ __typename: 'Query' });
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect((await send(brief, byHash(document))).errors?.[0]?.extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    } finally {
      await Promise.all(gateways.map((gw) => gw.close()));
      await own.stop();
    }
  });
});

describe('a Redis that stalls (connected, silent)', () => {
  // An attacker's pass: with redis-server stopped (SIGSTOP), every request's command waited in
  // node-redis's queue, and anonymous APQ registrations of 32 KB grew the gateway 2.3 MB a second
  // for as long as the stall lasted.
  it(`holds ${REDIS_MAX_QUEUED} commands at most: one more fails at once, without waiting out the budget`, async () => {
    const own = await startRedis();
    const redis = connectRedis(new URL(own.url), createLogger('silent'), 'Redis is away', { name: 'test' });
    try {
      const client = await redis.connected;
      await client.set('k', 'v');
      own.child.kill('SIGSTOP');
      const started = performance.now();
      const failedAt: number[] = [];
      const commands = Array.from({ length: REDIS_MAX_QUEUED + 50 }, () => client.get('k').catch(() => failedAt.push(performance.now() - started)));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(failedAt.length).toBeGreaterThanOrEqual(50);
      expect(Math.max(...failedAt)).toBeLessThan(REDIS_BUDGET_MS);
      own.child.kill('SIGCONT');
      await Promise.all(commands);
    } finally {
      own.child.kill('SIGCONT');
      await redis.close();
      await own.stop();
    }
  });

  it("costs one command's budget, not one per request: lookups are skipped until Redis answers, and a write's invalidation is sent all the same", async () => {
    const own = await startRedis();
    const gw = await startGateway({ env: { CACHE_TTL_MS: '60000', REDIS_URL: own.url }, simulators: vendors });
    const { createClient } = await import('redis');
    const inspector = createClient({ url: own.url });
    await inspector.connect();
    /** How many times Redis ran each command so far (INFO commandstats). */
    const calls = async () => {
      const stats = await inspector.info('commandstats');
      const count = (command: string) => Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
      return { mget: count('mget'), incr: count('incr') };
    };
    const room = (n: number) => encodeGlobalId('Chatroom', 'MESSENGER', { chatroom: String(n) });
    const readRoom = (n: number) => gw.query('query($id: ID!) { chatroom(id: $id) { id } }', { id: room(n) });
    try {
      // Until the instance's client is ready, its lookups give up after the budget (see above).
      for (let before = await calls(); (await calls()).mget === before.mget; ) await readRoom(20);
      const before = await calls();
      own.child.kill('SIGSTOP');
      for (let n = 1; n <= 10; n++) expect((await readRoom(n)).data).toEqual({ chatroom: { id: room(n) } });
      const renamed = await gw.query('mutation($id: ID!) { updateChatroom(id: $id, input: { name: "Renamed in a stall" }) { name } }', { id: room(26) });
      expect(renamed.data).toEqual({ updateChatroom: { name: 'Renamed in a stall' } });
      // The APQ store's connection: its first registration takes the budget, the next are skipped.
      for (let n = 0; n < 3; n++) {
        const document = `query RegisteredInAStall${n} { __typename }`;
        const sha256Hash = createHash('sha256').update(document).digest('hex');
        expect((await send(gw, { query: document, extensions: { persistedQuery: { version: 1, sha256Hash } } })).data).toEqual({ __typename: 'Query' });
      }
      own.child.kill('SIGCONT');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await calls()).toEqual({ mget: before.mget + 1, incr: before.incr + 1 });
      expect(await inspector.hLen('chat-gateway:{apq}:documents')).toBe(1);
      // Redis answered the late lookup: the stall is over, and the next read looks up again.
      await readRoom(11);
      expect((await calls()).mget).toBe(before.mget + 2);
    } finally {
      own.child.kill('SIGCONT');
      await inspector.quit();
      await gw.close();
      await own.stop();
    }
  });
});
