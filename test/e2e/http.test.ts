import { readFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { buildClientSchema, buildSchema, getIntrospectionQuery, type GraphQLSchema, type IntrospectionQuery } from 'graphql';
import { connect } from 'node:net';
import { DEMO_HEADERS } from '../../src/gateway.js';
import { describe, expect, it } from 'vitest';
import { useGateway } from '../helpers/gateway.js';

const gw = useGateway();

describe('the HTTP surface', () => {
  it('serves GraphiQL to a browser, with the demo headers and the example operation', async () => {
    const res = await fetch(gw().url, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('x-session-token');
    expect(html).toContain('demo-session');
    expect(html).toContain('query Example');
    // Bundled assets, no CDN: GraphiQL works on a closed network.
    expect(html).not.toMatch(/unpkg\.com|jsdelivr/);
  });

  it('sends GraphiQL gzipped to a browser that accepts it, and a 304 to one that has it', async () => {
    // An attacker's pass: every GET rendered and sent the page's 9 MB uncompressed, no caching:
    // 8 clients pulled 5.7 GB in 35 s, the gateway at a full core, other answers 0.7 s late.
    const get = (headers: Record<string, string>) =>
      new Promise<{ status: number; headers: IncomingHttpHeaders; size: number }>((resolve, reject) => {
        const req = request(gw().url, { headers: { accept: 'text/html', ...headers } }, (res) => {
          let size = 0;
          res.on('data', (chunk: Buffer) => (size += chunk.length));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, size }));
        });
        req.on('error', reject);
        req.end();
      });
    const plain = await get({});
    const gzipped = await get({ 'accept-encoding': 'gzip, deflate, br' });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.size).toBeLessThan(plain.size / 2);
    expect(gzipped.headers.etag).toBe(plain.headers.etag);
    expect(gzipped.headers.vary).toMatch(/accept-encoding/i);
    const again = await get({ 'accept-encoding': 'gzip', 'if-none-match': gzipped.headers.etag! });
    expect([again.status, again.size]).toEqual([304, 0]);
    // An attacker's pass: If-None-Match is compared weakly, and may list tags or be `*` (RFC 9110,
    // 13.1.2); a coding weighted q=0 is refused (12.5.3). Each had the whole page sent.
    for (const tags of [`W/${gzipped.headers.etag!}`, `"other", ${gzipped.headers.etag!}`, '*']) {
      expect((await get({ 'accept-encoding': 'gzip', 'if-none-match': tags })).status).toBe(304);
    }
    expect((await get({ 'accept-encoding': 'gzip', 'if-none-match': '"other"' })).status).toBe(200);
    expect((await get({ 'accept-encoding': 'gzip;q=0, identity' })).headers['content-encoding']).toBeUndefined();
    expect((await get({ 'accept-encoding': 'GZIP;q=0.5' })).headers['content-encoding']).toBe('gzip');
  });

  it('answers a query over GET only with a CSRF preflight header', async () => {
    const url = new URL(gw().url);
    url.searchParams.set('query', '{ __typename }');
    expect((await fetch(url, { headers: { accept: 'application/json' } })).status).toBe(403);
    const ok = await fetch(url, { headers: { accept: 'application/json', 'graphql-preflight': '1' } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('has no answer kept by a shared cache: each is computed with its caller\'s credentials', async () => {
    // An attacker's pass: a GET query's answer (urql's default) came with no Cache-Control, so a
    // proxy or CDN that caches by URL could serve one caller's chats to another.
    const url = new URL(gw().url);
    url.searchParams.set('query', '{ chatroomByProviderId(provider: IWERP, providerId: "1") { name } }');
    const headers = { accept: 'application/json', 'graphql-preflight': '1', ...DEMO_HEADERS };
    const viaGet = await fetch(url, { headers });
    expect(viaGet.status).toBe(200);
    expect(viaGet.headers.get('cache-control')).toBe('no-store');
    const viaPost = await fetch(gw().url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ query: url.searchParams.get('query') }) });
    expect(viaPost.headers.get('cache-control')).toBe('no-store');
    // A reviewer's pass: event streams (a subscription, @live, @defer) said no-cache, which lets a cache store them.
    const streams = ['subscription($id: ID!) { chatroomChanged(id: $id) { changes } }', 'query($id: ID!) @live { chatroom(id: $id) { name } }', 'query($id: ID!) { chatroom(id: $id) { id ... @defer { name } } }'];
    for (const query of streams) {
      const controller = new AbortController();
      const stream = await fetch(gw().url, {
        method: 'POST',
        headers: { ...DEMO_HEADERS, 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ query, variables: { id: 'Q2hhdHJvb206TUVTU0VOR0VSOjEy' } }),
        signal: controller.signal,
      });
      expect([query, stream.headers.get('content-type'), stream.headers.get('cache-control')]).toEqual([query, 'text/event-stream', 'no-store']);
      controller.abort();
    }
    // GraphiQL's page holds no caller's data, and keeps its own revalidated caching, its 304 too.
    const page = await fetch(gw().url, { headers: { accept: 'text/html' } });
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const again = await fetch(gw().url, { headers: { accept: 'text/html', 'if-none-match': page.headers.get('etag')! } });
    expect([again.status, again.headers.get('cache-control')]).toEqual([304, 'no-cache']);
  });

  it('refuses a text/plain POST without the CSRF header, accepts application/json', async () => {
    const body = JSON.stringify({ query: '{ __typename }' });
    expect((await fetch(gw().url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body })).status).toBe(403);
    expect((await fetch(gw().url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status).toBe(200);
  });

  it('has introspection on', async () => {
    const res = await gw().query('{ __schema { queryType { name } } }');
    expect(res.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it('serves the directives schema/schema.graphql declares, which frontends compile against', async () => {
    // A new user's pass: the file had @live only, and its own README's @defer example was an
    // unknown directive to codegen, Relay and graphcache.
    const res = await gw().query(getIntrospectionQuery());
    const shape = (schema: GraphQLSchema) =>
      schema
        .getDirectives()
        .map((d) => ({ name: d.name, locations: [...d.locations].sort(), args: d.args.map((a) => [a.name, String(a.type), a.defaultValue]).sort() }))
        .sort((a, b) => a.name.localeCompare(b.name));
    const served = shape(buildClientSchema(res.data as unknown as IntrospectionQuery));
    const sdl = buildSchema(readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8'));
    expect(shape(sdl)).toEqual(served);
    expect(served.map((d) => d.name)).toEqual(expect.arrayContaining(['defer', 'live', 'stream']));
  });
});

/** What a raw HTTP/1.1 exchange of these requests, written one after another on one connection, gets back. */
function exchange(requests: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(gw().url.port), gw().url.hostname);
    let text = '';
    socket.setEncoding('latin1').on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => resolve(text)).on('error', reject);
    socket.on('connect', () => {
      for (const request of requests) socket.write(request);
    });
  });
}

// An attacker's pass: curl --http2 and Java's HttpClient ask a cleartext server to upgrade to
// HTTP/2 (h2c); such a request went to the WebSocket server, which answered a POST /graphql 405
// and GET /health 404, in HTML. HTTP lets a server ignore an upgrade it does not offer.
describe('a request asking to upgrade to HTTP/2 (h2c)', () => {
  const h2c = 'Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n';
  const credentials = Object.entries(DEMO_HEADERS).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  const body = JSON.stringify({ query: '{ __typename }' });

  // Both in one packet: the second upgrade is read while the first request's answer is under way.
  it('is answered over HTTP/1.1 as if it had not asked, and so is another pipelined after it', async () => {
    const text = await exchange([
      `POST /graphql HTTP/1.1\r\nHost: localhost\r\n${h2c}${credentials}Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}` +
        `GET /health HTTP/1.1\r\nHost: localhost\r\n${h2c}Connection: close\r\n\r\n`,
    ]);
    const statuses = text.match(/HTTP\/1\.1 \d+/g);
    expect(statuses).toEqual(['HTTP/1.1 200', 'HTTP/1.1 200']);
    expect(text).toContain('{"data":{"__typename":"Query"}}');
    expect(text).not.toMatch(/^upgrade:/im);
  });

  // A reviewer's pass: while it waited, its socket had no error listener (Node's goes with the
  // upgrade), and a client resetting the connection then ended the process.
  it('pipelined after an answer under way, its connection reset meanwhile, is dropped with the connection', async () => {
    // A subscription's answer lasts: the upgrade behind it waits for as long.
    const subscription = JSON.stringify({ query: 'subscription { chatroomChanged(id: "Q2hhdHJvb206SVdFUlA6MQ") { changes } }' });
    const first = `POST /graphql HTTP/1.1\r\nHost: localhost\r\n${credentials}Content-Type: application/json\r\nAccept: text/event-stream\r\nContent-Length: ${subscription.length}\r\n\r\n${subscription}`;
    const second = `GET /health HTTP/1.1\r\nHost: localhost\r\n${h2c}\r\n`;
    const socket = connect(Number(gw().url.port), gw().url.hostname);
    const events = new Promise<void>((resolve) => socket.once('data', () => resolve()));
    socket.on('error', () => undefined).on('connect', () => socket.write(first + second));
    await events;
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.resetAndDestroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await fetch(new URL('/health', gw().url))).status).toBe(200);
  });

  it('sent with its body in the same packet as a plain request, answers both', async () => {
    const text = await exchange([
      `POST /graphql HTTP/1.1\r\nHost: localhost\r\n${h2c}${credentials}Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}` +
        `POST /graphql HTTP/1.1\r\nHost: localhost\r\n${credentials}Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    ]);
    expect(text.match(/\{"data":\{"__typename":"Query"\}\}/g)).toHaveLength(2);
  });
});

// The same pass: the WebSocket server's own handshake refusals were text/html, without a code.
describe('a WebSocket handshake that is not well-formed', () => {
  const handshake = (method: string, headers: string) =>
    exchange([`${method} /graphql HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${headers}\r\n`]);
  const key = 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n';
  it.each([
    ['without a valid key', 'GET', 'Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n', 400, null],
    ['of a version the server does not speak', 'GET', `${key}Sec-WebSocket-Version: 99\r\n`, 400, /^sec-websocket-version: 13, 8\r$/im],
    ['by a POST', 'POST', `${key}Sec-WebSocket-Version: 13\r\nContent-Length: 0\r\n`, 405, /^allow: GET\r$/im],
  ])('(%s) is refused with a coded JSON body', async (_, method, headers, status, header) => {
    const text = await handshake(method, headers);
    expect(text).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
    if (header) expect(text).toMatch(header);
    expect(text).toMatch(/^content-type: application\/json/im);
    const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors).toEqual([{ message: expect.stringMatching(/^The WebSocket handshake is not well-formed: /), extensions: { code: 'BAD_REQUEST' } }]);
  });
});

describe('GRAPHIQL=false', () => {
  const without = useGateway({ env: { GRAPHIQL: 'false' } });

  it('serves no GraphiQL page', async () => {
    // Only HTML is acceptable to the browser, and the gateway has none: 406.
    const res = await fetch(without().url, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(406);
    expect(await res.text()).not.toMatch(/<html/i);
  });
});
