import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startSimulators } from '../../src/simulators/index.js';

const root = new URL('../../', import.meta.url);
/** The node flags of `npm start` ("node [flags] dist/server.js"), so a flag this Node refuses fails here. */
const { scripts } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: { start: string } };
const startFlags = /^node (.*) dist\/server\.js$/.exec(scripts.start)?.[1]?.split(' ') ?? [];

/** Runs `npm start`'s command, on the sources, with the given environment; resolves once it listens or exits. */
function start(env: Record<string, string>) {
  const child = spawn(process.execPath, [...startFlags, '--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = new Promise<URL | undefined>((resolve) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Chat gateway on (http:\/\/[^\s"\u001b]+)/.exec(output);
      if (match) resolve(new URL(match[1]!.replace('localhost', '127.0.0.1')));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', () => resolve(undefined));
  });
  return { child, ready, output: () => output };
}

describe('npm start', () => {
  it('with no configuration, runs the simulators on loopback, says so, answers, and exits 0 on SIGTERM', async () => {
    const server = start({});
    const url = await server.ready;
    expect(url).toBeDefined();
    expect(server.output()).toMatch(/Demo mode/);
    expect(server.output()).toMatch(/iwerp simulator at http:\/\/127\.0\.0\.1:\d+/);
    const res = await fetch(url!, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-session-token': 'demo' },
      body: JSON.stringify({ query: '{ messageByProviderId(provider: IWERP, providerId: "1") { text } }' }),
    });
    expect(await res.json()).toEqual({ data: { messageByProviderId: { text: 'Message 1 in Project Apollo' } } });
    const health = await fetch(new URL('/health', url));
    expect(health.status).toBe(200);
    server.child.kill('SIGTERM');
    const [code] = await once(server.child, 'exit');
    expect(code).toBe(0);
  });

  it('with a *_BASE_URL, uses only that vendor and starts no simulator', async () => {
    const vendors = await startSimulators({ record: true });
    const server = start({ IWERP_BASE_URL: vendors.iwerp.baseUrl.href, IWERP_BUILD_ID: 'b-9' });
    try {
      const url = await server.ready;
      expect(server.output()).not.toMatch(/Demo mode/);
      const res = await fetch(url!, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-session-token': 'real', authorization: 'Bearer p', 'x-popsell-brand': '1' },
        body: JSON.stringify({
          query: '{ iw: chatroomByProviderId(provider: IWERP, providerId: "2") { name } pop: chatroomByProviderId(provider: POPSELL, providerId: "1") { kind } }',
        }),
      });
      const body = (await res.json()) as { data: unknown; errors: { path: string[]; extensions: { code: string } }[] };
      expect(body.data).toEqual({ iw: { name: 'Support' }, pop: null });
      expect(body.errors.map((e) => [e.path.join('.'), e.extensions.code])).toEqual([['pop', 'UPSTREAM_ERROR']]);
      expect(vendors.iwerp.requests.map((r) => `${r.path}?${r.query}`)).toEqual(['/api/chat/chatroom/2?iw-build-id=b-9']);
      expect(vendors.iwerp.requests[0]?.headers['x-session-token']).toBe('real');
      expect(vendors.popsell.requests).toEqual([]);
    } finally {
      server.child.kill('SIGTERM');
      await once(server.child, 'exit');
      await vendors.close();
    }
  });

  it('on SIGTERM with no drain delay, finishes the request in flight, refuses new ones, and exits 0', async () => {
    const vendors = await startSimulators({ latencyMs: 600, record: true });
    const server = start({ IWERP_BASE_URL: vendors.iwerp.baseUrl.href, SHUTDOWN_DRAIN_DELAY_MS: '0' });
    try {
      const url = await server.ready;
      const inFlight = fetch(url!, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-session-token': 't' },
        body: JSON.stringify({ query: '{ chatroomByProviderId(provider: IWERP, providerId: "3") { name } }' }),
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      server.child.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 100));
      await expect(fetch(new URL('/health', url))).rejects.toThrow();
      expect(await (await inFlight).json()).toEqual({ data: { chatroomByProviderId: { name: 'Sales team' } } });
      const [code] = await once(server.child, 'exit');
      expect(code).toBe(0);
    } finally {
      server.child.kill('SIGKILL');
      await vendors.close();
    }
  });

  it('on a fresh process, refuses a document nested 2,100 deep as GRAPHQL_PARSE_FAILED, not a 500', async () => {
    const server = start({});
    try {
      const url = await server.ready;
      const levels = 2100;
      const res = await fetch(url!, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', 'api-token': 't' },
        body: JSON.stringify({ query: `{ chatrooms(ids: ${'['.repeat(levels)}"x"${']'.repeat(levels)}) { id } }` }),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ errors: [expect.objectContaining({ message: expect.stringMatching(/nested deeper than 64/), extensions: { code: 'GRAPHQL_PARSE_FAILED' } })] });
    } finally {
      server.child.kill('SIGTERM');
      await once(server.child, 'exit');
    }
  });

  it('with its port taken, says so in one line and exits 1', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as AddressInfo;
    try {
      const server = start({ PORT: String(port), IWERP_BASE_URL: 'http://127.0.0.1:9' });
      expect(await server.ready).toBeUndefined();
      expect(server.child.exitCode).toBe(1);
      expect(server.output().trim().split('\n')).toEqual([`Port ${port} on 127.0.0.1 is already in use: stop what holds it, or set PORT.`]);
    } finally {
      holder.close();
    }
  });

  it('with LOG_PRETTY, logs lines for humans instead of JSON', async () => {
    const server = start({ LOG_PRETTY: 'true' });
    try {
      expect(await server.ready).toBeDefined();
      expect(server.output()).toMatch(/INFO.*Demo mode/);
      expect(server.output()).not.toMatch(/^\{"level"/m);
    } finally {
      server.child.kill('SIGTERM');
      await once(server.child, 'exit');
    }
  });

  it.each([
    ['UPSTREAM_TIMEOUT_MS', 'soon'],
    ['IWERP_BASE_URL', 'not a url'],
    ['MESSENGER_PATH_CHATROOM', '/chatroom/{id}'],
  ])('stops with one line naming %s when it is bad', async (name, value) => {
    const server = start({ [name]: value });
    expect(await server.ready).toBeUndefined();
    expect(server.child.exitCode).toBe(1);
    expect(server.output().trim().split('\n')).toHaveLength(1);
    expect(server.output()).toContain(name);
  });
});

/**
 * SIGTERM to a real process, with the settings small: it must answer /readiness 503 "draining" and
 * keep serving for the drain delay, then exit 0 within drain + grace + 1 s, whatever its vendors do.
 */
describe('drain and shutdown', () => {
  const DRAIN_MS = 600;
  const GRACE_MS = 600;
  const SETTINGS = { SHUTDOWN_DRAIN_DELAY_MS: String(DRAIN_MS), SHUTDOWN_GRACE_MS: String(GRACE_MS), UPSTREAM_TIMEOUT_MS: '60000' };
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /**
   * Starts a query the vendor will not finish, whose client hangs up after 400 ms (then nothing
   * holds the server open, only the vendor call), sends SIGTERM, checks the drain, measures the exit.
   */
  async function drainAndExit(env: Record<string, string>) {
    const server = start({ ...SETTINGS, ...env });
    try {
      const url = await server.ready;
      expect(url).toBeDefined();
      const inFlight = fetch(url!, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-session-token': 't' },
        body: JSON.stringify({ query: '{ chatroomByProviderId(provider: IWERP, providerId: "1") { name } }' }),
        signal: AbortSignal.timeout(400),
      }).catch(() => undefined);
      await sleep(200);
      const signalled = performance.now();
      const exited = once(server.child, 'exit');
      server.child.kill('SIGTERM');
      await sleep(DRAIN_MS / 3);
      const readiness = await fetch(new URL('/readiness', url));
      expect(readiness.status).toBe(503);
      expect(((await readiness.json()) as { status: string }).status).toBe('draining');
      expect((await fetch(new URL('/health', url))).status).toBe(200);
      const [code] = await exited;
      const elapsedMs = performance.now() - signalled;
      await inFlight;
      expect(code).toBe(0);
      expect(elapsedMs).toBeGreaterThanOrEqual(DRAIN_MS);
      // By its own clock the gateway is done (its last line, just before process.exit) no later
      // than drain + grace + 1 s. Seen from here add the process ending, which on a loaded machine
      // took up to 1.4 s; main was still running 30 s later.
      const times = server.output().split('\n').filter((line) => line.startsWith('{')).map((line) => (JSON.parse(line) as { time: number; msg: string }));
      const signalledAt = times.find((line) => line.msg.startsWith('SIGTERM'))!.time;
      expect(times.at(-1)!.time - signalledAt).toBeLessThanOrEqual(DRAIN_MS + GRACE_MS + 1000 + 50);
      expect(elapsedMs).toBeLessThan(DRAIN_MS + GRACE_MS + 1000 + 3000);
    } finally {
      server.child.kill('SIGKILL');
    }
  }

  it('with a vendor that drips its answer', async () => {
    const vendors = await startSimulators({ record: true });
    vendors.iwerp.inject({ fault: { kind: 'trickle', intervalMs: 50 } });
    try {
      await drainAndExit({ IWERP_BASE_URL: vendors.iwerp.baseUrl.href });
    } finally {
      await vendors.close();
    }
  });

  /** A peer that accepts connections and never says a word. */
  async function withVanishedPeer(use: (port: number) => Promise<unknown>) {
    const sockets = new Set<Socket>();
    const vanished = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => vanished.listen(0, '127.0.0.1', resolve));
    try {
      await use((vanished.address() as AddressInfo).port);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => vanished.close(resolve));
    }
  }

  it('with a vendor that vanished (accepts, never answers)', () =>
    withVanishedPeer((port) => drainAndExit({ IWERP_BASE_URL: `http://127.0.0.1:${port}` })));

  it('with Redis away (accepts, never answers) as well', () =>
    withVanishedPeer((port) => drainAndExit({ IWERP_BASE_URL: `http://127.0.0.1:${port}`, CACHE_TTL_MS: '5000', REDIS_URL: `redis://127.0.0.1:${port}` })));

  it('in demo mode', async () => {
    await drainAndExit({});
  });
});
