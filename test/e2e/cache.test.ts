import { createServer, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DEMO_HEADERS } from '../../src/gateway.js';
import { encodeGlobalId } from '../../src/model/globalId.js';
import { startGateway, useGateway } from '../helpers/gateway.js';

const gw = useGateway({ env: { CACHE_TTL_MS: '400' } });
const ROOM = '{ chatroomByProviderId(provider: MESSENGER, providerId: "15") { name } }';
const POPSELL = '{ chatroomByProviderId(provider: POPSELL, providerId: "2") { kind brandId } }';

describe('the read cache (CACHE_TTL_MS)', () => {
  it('serves a repeated read from the cache, to the same credential only', async () => {
    await gw().query(ROOM);
    await gw().query(ROOM);
    expect(gw().calls().messenger).toBe(1);
    await gw().query(ROOM, {}, { ...DEMO_HEADERS, 'api-token': 'someone-else' });
    expect(gw().calls().messenger).toBe(2);
  });

  it('keeps Popsell brands apart', async () => {
    await gw().query(POPSELL);
    const other = await gw().query(POPSELL, {}, { ...DEMO_HEADERS, 'x-popsell-brand': '2' });
    expect(other.data).toEqual({ chatroomByProviderId: { kind: 'DIRECT', brandId: 2 } });
    expect(gw().calls().popsell).toBe(2);
  });

  it('forgets a vendor\'s reads after a write to it', async () => {
    const id = encodeGlobalId('Chatroom', 'MESSENGER', { chatroom: '16' });
    const read = () => gw().query('query($id: ID!) { chatroom(id: $id) { name } }', { id });
    await read();
    await gw().query('mutation($id: ID!) { updateChatroom(id: $id, input: { name: "Cached no more" }) { name } }', { id });
    gw().resetCalls();
    expect((await read()).data).toEqual({ chatroom: { name: 'Cached no more' } });
    expect(gw().calls().messenger).toBe(1);
  });

  it('keeps them after a write the vendor refused as conflicting (409): it changed nothing', async () => {
    const id = encodeGlobalId('Chatroom', 'MESSENGER', { chatroom: '17' });
    const read = () => gw().query('query($id: ID!) { chatroom(id: $id) { name } }', { id });
    await read();
    expect((await gw().query('mutation { createDefaultChatroom(organizationId: 1) { id } }')).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    gw().resetCalls();
    await read();
    expect(gw().calls().messenger).toBe(0);
  });

  it('expires entries after the TTL', async () => {
    const q = '{ chatroomByProviderId(provider: IWERP, providerId: "4") { name } }';
    await gw().query(q);
    await new Promise((resolve) => setTimeout(resolve, 450));
    await gw().query(q);
    expect(gw().calls().iwerp).toBe(2);
  });

  it('caches no failure', async () => {
    gw().simulators.iwerp.inject({ fault: { kind: 'status', status: 500 }, times: 1 });
    const q = '{ chatroomByProviderId(provider: IWERP, providerId: "3") { name } }';
    expect((await gw().query(q)).errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
    expect((await gw().query(q)).data).toEqual({ chatroomByProviderId: { name: 'Sales team' } });
    expect(gw().calls().iwerp).toBe(2);
  });
});

/** A TCP server on loopback: one that accepts and never answers, or (closed) a port nobody is on. */
async function fakeRedis() {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const close = () => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(resolve));
  };
  return { url: `redis://127.0.0.1:${port}`, close };
}

describe('a shared cache (REDIS_URL) that is away or stalled', () => {
  it.each(['away', 'stalled'])('Redis %s: reads answer from the vendor without waiting on it, and the gateway shuts down', async (state) => {
    const redis = await fakeRedis();
    if (state === 'away') await redis.close();
    const gateway = await startGateway({ env: { CACHE_TTL_MS: '60000', REDIS_URL: redis.url } });
    try {
      const durations: number[] = [];
      for (let i = 0; i < 3; i += 1) {
        const started = performance.now();
        expect((await gateway.query(ROOM)).data).toEqual({ chatroomByProviderId: { name: 'Team 15' } });
        durations.push(performance.now() - started);
      }
      expect(gateway.calls().messenger).toBe(3);
      // The first read may wait one budget (250 ms) for Redis to come up; later ones do not wait.
      expect(durations[0]).toBeLessThan(1500);
      expect(Math.max(durations[1]!, durations[2]!)).toBeLessThan(200);
    } finally {
      const closing = performance.now();
      await gateway.close();
      expect(performance.now() - closing).toBeLessThan(1000);
      if (state === 'stalled') await redis.close();
    }
  });
});
