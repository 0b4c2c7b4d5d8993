import { createHash } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_HEADERS } from '../../src/gateway.js';
import { encodeGlobalId } from '../../src/model/globalId.js';
import { startSimulators, type Simulators } from '../../src/simulators/index.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

/** A port nobody listens on right now. */
const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

let redis: ChildProcess;
let vendors: Simulators;
let a: TestGateway;
let b: TestGateway;

beforeAll(async () => {
  const port = await freePort();
  // A real redis-server (Debian package redis-server), in memory only, on loopback.
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    redis.once('error', reject);
    redis.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Ready to accept connections')) resolve();
    });
  });
  vendors = await startSimulators({ record: true });
  const env = { CACHE_TTL_MS: '60000', REDIS_URL: `redis://127.0.0.1:${port}` };
  [a, b] = await Promise.all([startGateway({ env, simulators: vendors }), startGateway({ env, simulators: vendors })]);
});

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await vendors?.close();
  redis?.kill();
});

const messengerCalls = () => vendors.messenger.requests.length;
const ROOM = encodeGlobalId('Chatroom', 'MESSENGER', { chatroom: '25' });
const read = (gw: TestGateway, headers = DEMO_HEADERS) => gw.query('query($id: ID!) { chatroom(id: $id) { name } }', { id: ROOM }, headers);

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

describe('Automatic Persisted Queries in Redis, shared by instances', () => {
  const document = 'query ApqShared($id: ID!) { chatroom(id: $id) { name } }';
  const sha256Hash = createHash('sha256').update(document).digest('hex');
  const send = async (gw: TestGateway, body: object) => {
    const response = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json', ...DEMO_HEADERS }, body: JSON.stringify(body) });
    return (await response.json()) as { data?: unknown; errors?: { extensions: { code: string } }[] };
  };
  const byHash = { variables: { id: ROOM }, extensions: { persistedQuery: { version: 1, sha256Hash } } };

  it('a document registered through one instance runs by its hash on the other', async () => {
    expect((await send(b, byHash)).errors?.[0]?.extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect((await send(a, { ...byHash, query: document })).errors).toBeUndefined();
    expect((await send(b, byHash)).data).toEqual({ chatroom: { name: expect.any(String) } });
  });
});
