import { Writable } from 'node:stream';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { DEMO_HEADERS } from '../../src/gateway.js';
import { registerTracing } from '../../src/observability/tracingSdk.js';
import { useGateway } from '../helpers/gateway.js';

const spans = new InMemorySpanExporter();
registerTracing([new SimpleSpanProcessor(spans)]);

let logText = '';
const gw = useGateway({
  env: { UPSTREAM_RETRY_DELAY_MS: '1' },
  logs: {
    level: 'trace',
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        logText += chunk.toString();
        done();
      },
    }),
  },
});

const post = (query: string, headers: Record<string, string> = {}) =>
  fetch(gw().url, { method: 'POST', headers: { 'content-type': 'application/json', ...DEMO_HEADERS, ...headers }, body: JSON.stringify({ query }) });

describe('metrics', () => {
  it('GET /metrics: operations, errors by code, vendor requests by provider, route and status, retries, breakers', async () => {
    gw().simulators.popsell.inject({ fault: { kind: 'status', status: 503 }, times: 1 });
    await gw().query(`{ a: chatroomByProviderId(provider: IWERP, providerId: "1") { name }
      b: chatroomByProviderId(provider: IWERP, providerId: "99") { name }
      c: chatroomByProviderId(provider: POPSELL, providerId: "3") { kind } }`);
    const res = await fetch(new URL('/metrics', gw().url));
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/^graphql_envelop_request_duration_bucket\{.*\} \d+/m);
    expect(text).toMatch(/^graphql_envelop_request\{.*\} \d+/m);
    expect(text).toMatch(/^gateway_graphql_errors_total\{code="NOT_FOUND"\} 1$/m);
    expect(text).toMatch(/^gateway_vendor_requests_total\{provider="IWERP",method="GET",route="\/api\/chat\/chatroom\/\{identifier\}",status="200"\} 1$/m);
    expect(text).toMatch(/^gateway_vendor_requests_total\{provider="IWERP",method="GET",route="\/api\/chat\/chatroom\/\{identifier\}",status="404"\} 1$/m);
    expect(text).toMatch(/^gateway_vendor_request_duration_seconds_bucket\{le="0.5",provider="POPSELL",method="GET",route="\/chat\/chatrooms\/\{id\}",status="200"\} 1$/m);
    expect(text).toMatch(/^gateway_vendor_retries_total\{provider="POPSELL",method="GET",route="\/chat\/chatrooms\/\{id\}"\} 1$/m);
    expect(text).toMatch(/^gateway_vendor_breaker_state\{provider="MESSENGER",state="closed"\} 1$/m);
    expect(text).toMatch(/^gateway_process_resident_memory_bytes \d+/m);
    expect(text).not.toMatch(/demo-session|demo-popsell|demo-messenger/);
  });
});

describe('health', () => {
  it('/health is live; /readiness reports each breaker and turns 503 while draining', async () => {
    expect((await fetch(new URL('/health', gw().url))).status).toBe(200);
    const ready = await fetch(new URL('/readiness', gw().url));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      vendors: {
        IWERP: { configured: true, breaker: 'closed', polls: 'running' },
        POPSELL: { configured: true, breaker: 'closed', polls: 'running' },
        MESSENGER: { configured: true, breaker: 'closed', polls: 'running' },
      },
    });
    gw().lifecycle.draining = true;
    const draining = await fetch(new URL('/readiness', gw().url));
    gw().lifecycle.draining = false;
    expect(draining.status).toBe(503);
    expect(((await draining.json()) as { status: string }).status).toBe('draining');
  });
});

describe('logs', () => {
  it('carry the request id, kept from x-request-id or made, and echoed in the response', async () => {
    const res = await post('{ chatroomByProviderId(provider: IWERP, providerId: "2") { name } }', { 'x-request-id': 'trace-me-42' });
    expect(res.headers.get('x-request-id')).toBe('trace-me-42');
    const lines = logText.split('\n').filter((l) => l.includes('vendor request'));
    const mine = lines.map((l) => JSON.parse(l) as { requestId?: string; path?: string }).filter((l) => l.requestId === 'trace-me-42');
    expect(mine.map((l) => l.path)).toEqual(['/api/chat/chatroom/2']);
    const other = await post('{ __typename }');
    expect(other.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('traces', () => {
  it('a span per operation and per vendor request, continuing the caller\'s trace, traceparent sent on, no credentials', async () => {
    spans.reset();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await post('query Room { messageByProviderId(provider: IWERP, providerId: "5") { author { firstName } } }', {
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
    });
    const finished = spans.getFinishedSpans();
    const operation = finished.find((s) => s.name === 'graphql.operation')!;
    const vendor = finished.filter((s) => s.attributes['chat.provider'] === 'IWERP');
    expect(operation.spanContext().traceId).toBe(traceId);
    expect(operation.attributes['graphql.operation.name']).toBe('Room');
    expect(vendor.map((s) => s.name).sort()).toEqual(['GET /api/chat/chatroom/{identifier}', 'GET /api/chat/chatroom_message/{identifier}']);
    for (const span of vendor) {
      expect(span.spanContext().traceId).toBe(traceId);
      expect(span.attributes).toMatchObject({ 'http.request.method': 'GET', 'http.response.status_code': 200 });
    }
    const sent = gw().vendorRequests('iwerp').map((r) => String(r.headers.traceparent));
    expect(sent).toHaveLength(2);
    for (const header of sent) expect(header).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(JSON.stringify(finished.map((s) => s.attributes))).not.toMatch(/demo-/);
  });
});
