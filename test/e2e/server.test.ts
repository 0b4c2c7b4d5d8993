import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { startSimulators } from '../../src/simulators/index.js';
import { start } from '../helpers/process.js';

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

  it('in demo mode, the simulators change their own data every DEMO_ACTIVITY_MS', async () => {
    const server = start({ DEMO_ACTIVITY_MS: '50' });
    try {
      const url = await server.ready;
      expect(server.output()).toMatch(/change their own data every 50 ms/);
      const name = async () => {
        const res = await fetch(url!, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-session-token': 'demo' },
          body: JSON.stringify({ query: '{ chatroomByProviderId(provider: IWERP, providerId: "1") { name } }' }),
        });
        return ((await res.json()) as { data: { chatroomByProviderId: { name: string } } }).data.chatroomByProviderId.name;
      };
      await vi.waitFor(async () => expect(await name()).toMatch(/^Project Apollo \(\d+\)$/), { timeout: 5000, interval: 50 });
    } finally {
      server.child.kill('SIGTERM');
      await once(server.child, 'exit');
    }
  });

  it('with a *_BASE_URL, uses only that vendor and starts no simulator', async () => {
    const vendors = await startSimulators({ record: true });
    // Out of demo mode SIGTERM waits 5 s for a load balancer by default; there is none here.
    const server = start({ IWERP_BASE_URL: vendors.iwerp.baseUrl.href, IWERP_BUILD_ID: 'b-9', SHUTDOWN_DRAIN_DELAY_MS: '0' });
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

  it('past MAX_CONNECTIONS, closes new connections at once, says so once, counts them, and takes them again when one goes', async () => {
    const server = start({ MAX_CONNECTIONS: '2' });
    const sockets: Socket[] = [];
    let refused = 0;
    try {
      const url = (await server.ready)!;
      const open = async () => {
        const socket = connect(Number(url.port), url.hostname);
        // A refused connection is reset: it closes, unanswered.
        socket.on('error', () => undefined);
        sockets.push(socket);
        await once(socket, 'connect');
        return socket;
      };
      /** One request on a connection of its own: the response's status line, or null if the connection was closed unanswered. */
      const get = async (path: string) => {
        const socket = await open();
        let text = '';
        socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
        socket.write(`GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n\r\n`);
        // Not events.once, which would reject on the reset.
        await new Promise((resolve) => socket.once('close', resolve));
        if (!text) refused += 1;
        return text ? text : null;
      };
      const idle = [await open(), await open()];
      expect(await get('/health')).toBeNull();
      expect(await get('/health')).toBeNull();
      idle[0]!.destroy();
      await vi.waitFor(async () => expect(await get('/health')).toMatch(/^HTTP\/1\.1 200/), { timeout: 3000, interval: 50 });
      idle[1]!.destroy();
      let metrics: string | null = null;
      await vi.waitFor(async () => expect((metrics = await get('/metrics'))).toMatch(/^HTTP\/1\.1 200/), { timeout: 3000, interval: 50 });
      // Every refusal the client saw, counted (the wait above may have been refused too, until the server saw the close).
      expect(metrics).toMatch(new RegExp(`^gateway_connections_refused_total ${refused}$`, 'm'));
      expect(refused).toBeGreaterThanOrEqual(2);
      expect(server.output().match(/Refusing new connections: MAX_CONNECTIONS \(2\)/g)).toHaveLength(1);
    } finally {
      for (const socket of sockets) socket.destroy();
      server.child.kill('SIGTERM');
      await once(server.child, 'exit');
    }
  });

  it('closes a connection whose request has not all come within HTTP_REQUEST_TIMEOUT_MS (408), a subscription\'s stream staying open', async () => {
    // An attacker's pass held connections 320 s with a body announced and never sent (Node's
    // default), 80 s with headers never finished: 200 of them kept every other client out.
    const server = start({ HTTP_REQUEST_TIMEOUT_MS: '1000', DEMO_ACTIVITY_MS: '0' });
    const sockets: Socket[] = [];
    try {
      const url = (await server.ready)!;
      const stalled = async (request: string) => {
        const socket = connect(Number(url.port), url.hostname);
        sockets.push(socket);
        socket.on('error', () => undefined);
        await once(socket, 'connect');
        let text = '';
        socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
        const started = Date.now();
        socket.write(request);
        await new Promise((resolve) => socket.once('close', resolve));
        return { text, ms: Date.now() - started };
      };
      const [body, headers] = await Promise.all([
        stalled(`POST /graphql HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"query":`),
        stalled(`GET /health HTTP/1.1\r\nHost: ${url.host}\r\nX-Slow: `),
      ]);
      for (const { text, ms } of [body, headers]) {
        expect(text).toMatch(/^HTTP\/1\.1 408/);
        expect(ms).toBeLessThan(3_500);
      }
      // An SSE subscription is a request that has all come: its response goes on streaming.
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'x-session-token': 'demo' },
        body: JSON.stringify({ query: 'subscription { chatroomChanged(id: "Q2hhdHJvb206SVdFUlA6MQ") { changes } }' }),
      });
      const reader = response.body!.getReader();
      let text = '';
      while (!text.includes('INITIAL')) text += new TextDecoder().decode((await reader.read()).value);
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      // Still open: a closed stream's read would end at once.
      expect(await Promise.race([reader.read(), new Promise((resolve) => setTimeout(() => resolve('open'), 300))])).toBe('open');
      await reader.cancel();
    } finally {
      for (const socket of sockets) socket.destroy();
      server.child.kill('SIGTERM');
      await once(server.child, 'exit');
    }
  });

  // A reviewer's pass: each request served again without its upgrade (h2c) hands its socket to
  // the server as a new connection, and the shutdown's bookkeeping added a close listener each time.
  it('serves request after request asking for h2c on one connection, holding nothing more for each', async () => {
    const server = start({});
    try {
      const url = new URL((await server.ready)!);
      const socket = connect(Number(url.port), url.hostname);
      await once(socket, 'connect');
      let text = '';
      socket.setEncoding('latin1').on('data', (chunk: string) => (text += chunk));
      for (let i = 1; i <= 15; i += 1) {
        socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n');
        await vi.waitFor(() => expect(text.match(/HTTP\/1\.1 200/g)).toHaveLength(i), { timeout: 2000, interval: 10 });
      }
      socket.destroy();
      expect(server.output()).not.toMatch(/MaxListenersExceeded/);
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
