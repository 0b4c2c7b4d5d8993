import { createServer, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_HEADERS, createGateway } from '../../src/gateway.js';
import { createLiveRegistry, type LiveRegistry } from '../../src/live/registry.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { createUpstreams, type Upstreams } from '../../src/upstreams/index.js';
import { testConfig } from '../helpers/config.js';

/** What the slow vendor saw of each request: when it came, and whether the gateway hung up first. */
interface Seen {
  path: string;
  at: number;
  closedEarlyAfterMs?: number;
}

const ANSWER_AFTER_MS = 2_000;
const seen: Seen[] = [];
const listening: Server[] = [];
let upstreams: Upstreams;
let live: LiveRegistry;
let gatewayUrl: URL;

async function listen(server: Server): Promise<URL> {
  listening.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
}

/** A vendor (IW-ERP and Messenger here) that answers each request only after ANSWER_AFTER_MS. */
function slowVendor() {
  return createServer((req, res: ServerResponse) => {
    const entry: Seen = { path: req.url ?? '', at: Date.now() };
    seen.push(entry);
    const timer = setTimeout(() => res.writeHead(500).end(), ANSWER_AFTER_MS);
    res.on('close', () => {
      clearTimeout(timer);
      if (!res.writableFinished) entry.closedEarlyAfterMs = Date.now() - entry.at;
    });
  });
}

beforeAll(async () => {
  // The gateway's own deadline is far away: only the hang-up can end the vendor call early.
  const config = testConfig({ UPSTREAM_TIMEOUT_MS: '8000', UPSTREAM_RETRIES: '0' });
  const logger = createLogger('silent');
  const metrics = createMetrics();
  const vendor = await listen(slowVendor());
  upstreams = createUpstreams(config, { iwerp: vendor, messenger: vendor }, logger, { metrics: metrics.vendor });
  live = createLiveRegistry({ settings: config.live, paused: () => false });
  const yoga = createGateway({ config: { ...config, demo: true }, adapters: upstreams.adapters, live, upstreams: upstreams.upstreams, logger, metrics });
  gatewayUrl = new URL('/graphql', await listen(createServer(yoga)));
});

afterAll(async () => {
  live.close();
  for (const server of listening) server.closeAllConnections();
  await Promise.all(listening.map((server) => new Promise((resolve) => server.close(resolve))));
  await upstreams.close();
});

/** Posts a query over node:http; `hangUpAfterMs` destroys the socket then, like a client that leaves. */
function post(query: string, hangUpAfterMs?: number): Promise<number | 'hung up'> {
  const body = JSON.stringify({ query });
  return new Promise((resolve, reject) => {
    const req = request(gatewayUrl, {
      method: 'POST',
      headers: { ...DEMO_HEADERS, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (error) => (req.destroyed && hangUpAfterMs !== undefined ? resolve('hung up') : reject(error)));
    if (hangUpAfterMs !== undefined) setTimeout(() => req.destroy(), hangUpAfterMs);
    req.end(body);
  });
}

const message = (id: string) => `{ messageByProviderId(provider: IWERP, providerId: "${id}") { text } }`;
const vendorSaw = (id: string) => seen.filter((s) => s.path.split('?')[0] === `/api/chat/chatroom_message/${id}`);

describe('a client that hangs up', () => {
  it('has its vendor call aborted soon after, far before the gateway deadline', async () => {
    const started = Date.now();
    expect(await post(message('1'), 300)).toBe('hung up');
    await expect.poll(() => vendorSaw('1')[0]?.closedEarlyAfterMs, { timeout: 1_900 }).toBeDefined();
    const [call] = vendorSaw('1');
    expect(vendorSaw('1')).toHaveLength(1);
    // Aborted within a few hundred ms of the hang-up, not at the vendor's answer nor the 8 s deadline.
    expect(call!.closedEarlyAfterMs).toBeLessThan(1_200);
    expect(Date.now() - started).toBeLessThan(ANSWER_AFTER_MS);
  });

  it('has a root field read straight from an adapter (eventChatroom) aborted too', async () => {
    const eventRoom = () => seen.filter((s) => s.path.startsWith('/chatroom?') && s.path.includes('event_id=101'));
    expect(await post('{ eventChatroom(organizationId: 1, eventId: 101) { name } }', 300)).toBe('hung up');
    await expect.poll(() => eventRoom()[0]?.closedEarlyAfterMs, { timeout: 1_900 }).toBeDefined();
    expect(eventRoom()[0]!.closedEarlyAfterMs).toBeLessThan(1_200);
  });

  it('does not abort a call shared with a caller that stays', async () => {
    const [leaver, stayer] = await Promise.all([post(message('2'), 300), post(message('2'))]);
    expect(leaver).toBe('hung up');
    expect(stayer).toBe(200);
    // One shared vendor call, answered in full: the leaver did not cut it off for the stayer.
    expect(vendorSaw('2')).toHaveLength(1);
    expect(vendorSaw('2')[0]!.closedEarlyAfterMs).toBeUndefined();
  });
});
