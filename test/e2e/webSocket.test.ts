/**
 * What one WebSocket may hold, spoken in graphql-transport-ws's raw messages (so that a client
 * can stop reading, as an attacker's does): its open operations, the answers its client has not
 * read, and the codes of its refusals, which match those over HTTP.
 */
import { once } from 'node:events';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_HEADERS } from '../../src/gateway.js';
import { encodeGlobalId } from '../../src/model/globalId.js';
import { useGateway } from '../helpers/gateway.js';

const gateway = useGateway({ env: { WS_MAX_OPERATIONS: '3', WS_MAX_BUFFERED_BYTES: String(64 * 1024), LIVE_POLL_INTERVAL_MS: '60000' } });
// A second gateway whose sockets may each hold far more than all of them together.
const shared = useGateway({ env: { WS_MAX_OPERATIONS: '3', WS_MAX_BUFFERED_BYTES: String(256 * 1024 * 1024), WS_MAX_BUFFERED_BYTES_TOTAL: String(64 * 1024), LIVE_POLL_INTERVAL_MS: '60000' } });
const ROOM = (n: number) => encodeGlobalId('Chatroom', 'IWERP', { chatroom: String(n) });

interface Message {
  id?: string;
  type: string;
  payload?: any;
}

const opened: WebSocket[] = [];
afterEach(() => {
  for (const socket of opened.splice(0)) socket.terminate();
});

/** An acknowledged graphql-transport-ws connection, and every message it receives. */
async function connect(to = gateway) {
  const socket = new WebSocket(to().url.href.replace(/^http/, 'ws'), 'graphql-transport-ws');
  opened.push(socket);
  const received: Message[] = [];
  socket.on('message', (data) => received.push(JSON.parse(String(data)) as Message));
  await once(socket, 'open');
  socket.send(JSON.stringify({ type: 'connection_init', payload: DEMO_HEADERS }));
  await until(() => received.some((m) => m.type === 'connection_ack'));
  const subscribe = (id: string, query: string) => socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query } }));
  return { socket, received, subscribe, of: (id: string) => received.filter((m) => m.id === id) };
}

async function until(condition: () => boolean, ms = 3000) {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('a WebSocket’s open operations', () => {
  it('past WS_MAX_OPERATIONS, one more is refused, coded, without a vendor call; once one ends, another is taken', async () => {
    const ws = await connect();
    for (const n of [1, 2, 3]) ws.subscribe(`s${n}`, `subscription { chatroomChanged(id: "${ROOM(n)}") { changes } }`);
    await until(() => [1, 2, 3].every((n) => ws.of(`s${n}`).length === 1));
    gateway().resetCalls();
    ws.subscribe('s4', `subscription { chatroomChanged(id: "${ROOM(4)}") { changes } }`);
    await until(() => ws.of('s4').length === 1);
    expect(ws.of('s4')[0]).toMatchObject({ type: 'error', payload: [{ extensions: { code: 'TOO_MANY_OPERATIONS' } }] });
    expect(gateway().calls()).toEqual({ iwerp: 0, popsell: 0, messenger: 0 });

    ws.socket.send(JSON.stringify({ id: 's1', type: 'complete' }));
    // An operation counts until it has ended, its stream closed: a moment after `complete`.
    await new Promise((resolve) => setTimeout(resolve, 50));
    ws.subscribe('s5', `subscription { chatroomChanged(id: "${ROOM(4)}") { changes } }`);
    await until(() => ws.of('s5').length === 1);
    expect(ws.of('s5')[0]).toMatchObject({ type: 'next', payload: { data: { chatroomChanged: { changes: ['INITIAL'] } } } });
  });
});

describe('an operation id', () => {
  // An attacker's pass: graphql-ws bounds no id, and an open operation keeps its id in several
  // places: 200 subscriptions with ids of 1 MB on each of 3 sockets held 1.4 GB of heap.
  it('of more than 128 characters closes the socket as a bad message (4400), before anything runs', async () => {
    const { socket, subscribe } = await connect();
    const closed = once(socket, 'close');
    subscribe('x'.repeat(129), `subscription { chatroomChanged(id: "${ROOM(1)}") { changes } }`);
    const [code, reason] = (await closed) as [number, Buffer];
    expect(code).toBe(4400);
    expect(String(reason)).toMatch(/128/);
    expect(gateway().calls()).toEqual({ iwerp: 0, popsell: 0, messenger: 0 });
  });

  it('of 128 characters is taken', async () => {
    const { subscribe, of } = await connect();
    const id = 'x'.repeat(128);
    subscribe(id, '{ __typename }');
    await until(() => of(id).some((m) => m.type === 'complete'));
    expect(of(id).map((m) => m.type)).toEqual(['next', 'complete']);
  });
});

describe('queries whose client gave up on them', () => {
  const slow = useGateway({ latencyMs: 300, env: { WS_MAX_OPERATIONS: '3' } });

  it('count until their execution ends: a client cannot start more vendor calls by sending complete', async () => {
    const ws = await connect(slow);
    slow().resetCalls();
    for (let i = 0; i < 8; i += 1) {
      ws.subscribe(`q${i}`, `{ chatroomByProviderId(provider: IWERP, providerId: "${(i % 4) + 1}") { name } }`);
      ws.socket.send(JSON.stringify({ id: `q${i}`, type: 'complete' }));
    }
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(slow().calls().iwerp).toBe(3);
  });

  it('of a connection that closed make no more vendor calls: the message’s room is not read', async () => {
    const ws = await connect(slow);
    slow().resetCalls();
    ws.subscribe('m', `{ messageByProviderId(provider: IWERP, providerId: "1") { chatroom { participants { displayName } } } }`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    ws.socket.terminate();
    await new Promise((resolve) => setTimeout(resolve, 900));
    expect(slow().vendorRequests('iwerp').map((request) => request.path)).toEqual(['/api/chat/chatroom_message/1']);
  });

  it('leave their id taken until they end: a subscription reusing it is refused, and none outlives its socket', async () => {
    const ws = await connect(slow);
    ws.subscribe('same', `{ chatroomByProviderId(provider: IWERP, providerId: "1") { name } }`);
    ws.socket.send(JSON.stringify({ id: 'same', type: 'complete' }));
    ws.subscribe('same', `subscription { chatroomChanged(id: "${ROOM(2)}") { changes } }`);
    await until(() => ws.of('same').length === 1);
    expect(ws.of('same')[0]).toMatchObject({ type: 'error', payload: [{ extensions: { code: 'BAD_REQUEST' } }] });
    // Once the query has ended, the id is free again.
    await new Promise((resolve) => setTimeout(resolve, 500));
    ws.subscribe('same', `subscription { chatroomChanged(id: "${ROOM(2)}") { changes } }`);
    await until(() => ws.of('same').length === 2);
    expect(ws.of('same')[1]).toMatchObject({ type: 'next', payload: { data: { chatroomChanged: { changes: ['INITIAL'] } } } });
    ws.socket.terminate();
    await until(() => slow().live.stats().subscribers.IWERP === 0);
  });
});

describe('a WebSocket’s operations one after another', () => {
  it('leave nothing behind on the connection: many vendor reads over one socket add no listener each (a reviewer found them piling up)', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const ws = await connect();
      for (let i = 0; i < 15; i += 1) {
        ws.subscribe(`r${i}`, `{ chatroom(id: "${ROOM(1)}") { name } }`);
        await until(() => ws.of(`r${i}`).some((m) => m.type === 'complete'));
      }
      expect(ws.of('r14')[0]).toMatchObject({ type: 'next', payload: { data: { chatroom: { name: 'Project Apollo' } } } });
      // Node says so once a signal holds more than ten listeners.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('an id reused while its operation is still ending', () => {
  // An attacker's pass: the refusal's error was followed by a `complete` for the id, the ending
  // operation's, which graphql-ws took the refused one's place in its table for: the protocol
  // sends nothing after an error, and a client reusing the id again would see its next operation
  // completed by it.
  it('is refused with an error, and nothing follows for that id', async () => {
    const subscription = `subscription { chatroomChanged(id: "${ROOM(1)}") { changes } }`;
    let refused = 0;
    for (let i = 0; i < 20; i += 1) {
      const ws = await connect();
      ws.subscribe('s', subscription);
      await until(() => ws.of('s').length === 1);
      ws.socket.send(JSON.stringify({ id: 's', type: 'complete' }));
      ws.subscribe('s', subscription);
      await until(() => ws.of('s').length > 1);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const after = ws.of('s').slice(1).map((m) => m.type);
      // The old operation may have ended before the new subscribe came: then the new one runs.
      if (after[0] === 'error') {
        refused += 1;
        expect(after).toEqual(['error']);
      } else expect(after[0]).toBe('next');
      ws.socket.close();
    }
    expect(refused).toBeGreaterThan(0);
  });
});

describe('an operation whose id was reused while it was ending', () => {
  // Attackers' passes: the refused reuse's entry in graphql-ws's table, made before the refusal,
  // was taken by the first operation as it finished setting up, then deleted with the refusal. No
  // `complete` reached that operation, which went on polling and sending events to the id, counted
  // against every limit; before the socket's close ended it too, it outlived the socket, and locked
  // every client of its credential out.
  it.each([
    ['its client completes it again', (ws: Awaited<ReturnType<typeof connect>>) => ws.socket.send(JSON.stringify({ id: 's', type: 'complete' }))],
    ['its socket closes', (ws: Awaited<ReturnType<typeof connect>>) => ws.socket.close()],
  ])('ends when %s', async (_, end) => {
    const subscription = `subscription { chatroomChanged(id: "${ROOM(1)}") { changes } }`;
    for (let i = 0; i < 20; i += 1) {
      const ws = await connect();
      ws.subscribe('s', subscription);
      ws.socket.send(JSON.stringify({ id: 's', type: 'complete' }));
      ws.subscribe('s', subscription);
      await until(() => ws.of('s').length > 0);
      end(ws);
      await until(() => gateway().live.stats().subscribers.IWERP === 0);
      ws.socket.close();
    }
  });
});

describe('a malformed subscribe with the id of an operation still ending', () => {
  // A reviewer's pass: the still-ending refusal came before graphql-ws read the message, which it
  // answered with an error where any other malformed message closes the socket (4400).
  it('closes the socket as any malformed message does', async () => {
    const subscription = `subscription { chatroomChanged(id: "${ROOM(1)}") { changes } }`;
    for (let i = 0; i < 10; i += 1) {
      const ws = await connect();
      const closed = once(ws.socket, 'close');
      ws.subscribe('s', subscription);
      ws.socket.send(JSON.stringify({ id: 's', type: 'complete' }));
      ws.socket.send(JSON.stringify({ id: 's', type: 'subscribe', payload: { nope: 1 } }));
      const [code] = (await closed) as [number];
      expect(code).toBe(4400);
      expect(ws.received.filter((m) => m.type === 'error')).toEqual([]);
    }
  });
});

describe('answers a client does not read', () => {
  // Each answer is some 40 KB, 60 MB for 1,500: more than the kernel's socket buffers take (a few
  // MB on loopback), after which answers wait in the gateway, three at most (WS_MAX_OPERATIONS).
  const INTROSPECTION = '{ __schema { types { name description fields { name description args { name description } } } } }';
  const underlying = (ws: { socket: WebSocket }) => (ws.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  const flood = async (sockets: Awaited<ReturnType<typeof connect>>[]) => {
    for (let i = 0; i < 1500; i += 1) {
      for (const ws of sockets) ws.subscribe(`q${i}`, INTROSPECTION);
      if (i % 3 === 2) await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  it('past WS_MAX_BUFFERED_BYTES, the socket is cut instead of holding them', { timeout: 60_000 }, async () => {
    const ws = await connect();
    underlying(ws).pause();
    const closed = once(ws.socket, 'close');
    await flood([ws]);
    underlying(ws).resume();
    const [code] = (await closed) as [number];
    // 1006: no close frame, the server dropped the connection.
    expect(code).toBe(1006);
    expect(ws.received.filter((m) => m.type === 'next').length).toBeLessThan(1500);
  });

  it('past WS_MAX_BUFFERED_BYTES_TOTAL over all sockets, those whose clients do not read are cut, and one that reads is answered', { timeout: 60_000 }, async () => {
    const paused = [await connect(shared), await connect(shared)];
    const reader = await connect(shared);
    for (const ws of paused) underlying(ws).pause();
    const closed = paused.map((ws) => once(ws.socket, 'close'));
    await flood(paused);
    for (const ws of paused) underlying(ws).resume();
    const codes = (await Promise.all(closed)).map(([code]) => code as number);
    expect(codes).toEqual([1006, 1006]);
    reader.subscribe('after', INTROSPECTION);
    await until(() => reader.of('after').length === 2);
    expect(reader.of('after').map((m) => m.type)).toEqual(['next', 'complete']);
    expect(reader.socket.readyState).toBe(WebSocket.OPEN);
    // What the cut sockets held is counted out again: the budget is not used up for good.
    const unsent = async () => Number(/^gateway_websocket_unsent_bytes (\d+)$/m.exec(await (await fetch(new URL('/metrics', shared().url))).text())?.[1]);
    expect(await unsent()).toBe(0);
  });
});

describe('errors over WebSocket', () => {
  it('are counted in gateway_graphql_errors_total by code, as over HTTP: refusals and results’ errors', async () => {
    const count = async (code: string) => Number(new RegExp(`^gateway_graphql_errors_total\\{code="${code}"\\} (\\d+)$`, 'm').exec(await (await fetch(new URL('/metrics', gateway().url))).text())?.[1] ?? 0);
    const before = [await count('GRAPHQL_VALIDATION_FAILED'), await count('NOT_FOUND')];
    const ws = await connect();
    ws.subscribe('refused', '{ nothing }');
    ws.subscribe('missing', `{ chatroom(id: "${ROOM(99)}") { name } }`);
    await until(() => ws.of('refused').length === 1 && ws.of('missing').some((m) => m.type === 'complete'));
    expect([await count('GRAPHQL_VALIDATION_FAILED'), await count('NOT_FOUND')]).toEqual([before[0]! + 1, before[1]! + 1]);
  });
});

describe('refusals over WebSocket carry the codes they carry over HTTP', () => {
  it.each([
    ['too many aliases', `{ ${Array.from({ length: 60 }, (_, i) => `a${i}: chatroom(id: "x") { name }`).join(' ')} }`, undefined],
    ['a syntax error', '{ chatroom(id: ', undefined],
    ['an unknown field', '{ nothing }', undefined],
    ['an operation name the document does not have', 'query A { __typename }', 'B'],
  ])('%s', async (_, query, operationName) => {
    const ws = await connect();
    ws.socket.send(JSON.stringify({ id: 'x', type: 'subscribe', payload: { query, operationName } }));
    await until(() => ws.of('x').length === 1);
    const [message] = ws.of('x');
    expect(message?.type).toBe('error');
    const response = await fetch(gateway().url, { method: 'POST', headers: { 'content-type': 'application/json', ...DEMO_HEADERS }, body: JSON.stringify({ query, operationName }) });
    const http = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(message?.payload.map((e: any) => e.extensions)).toEqual(http.errors.map((e) => ({ code: e.extensions.code })));
  });
});
