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
