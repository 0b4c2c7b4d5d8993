import { request, type IncomingHttpHeaders } from 'node:http';
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
  });

  it('answers a query over GET only with a CSRF preflight header', async () => {
    const url = new URL(gw().url);
    url.searchParams.set('query', '{ __typename }');
    expect((await fetch(url, { headers: { accept: 'application/json' } })).status).toBe(403);
    const ok = await fetch(url, { headers: { accept: 'application/json', 'graphql-preflight': '1' } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ data: { __typename: 'Query' } });
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
