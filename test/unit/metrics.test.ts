import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observability/metrics.js';

async function metricsAfterOneOperation(options?: Parameters<typeof createMetrics>[0]) {
  const metrics = createMetrics(options);
  const schema = createSchema({ typeDefs: 'type Query { ok: Boolean }', resolvers: { Query: { ok: () => true } } });
  const yoga = createYoga({ schema, logging: false, plugins: metrics.plugins() });
  await yoga.fetch('http://gateway.test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ ok }"}' });
  return metrics.registry.metrics();
}

describe('createMetrics', () => {
  it('records operations and their duration, but no per-phase histograms unless asked for', async () => {
    const text = await metricsAfterOneOperation();
    expect(text).toMatch(/^graphql_envelop_request_duration_count\{.*\} 1$/m);
    expect(text).not.toMatch(/graphql_envelop_phase_/);
  });

  it('leaves subscriptions out of the operation counter and histogram: a lifetime is no latency, and hooking each stream held memory per subscriber', async () => {
    const metrics = createMetrics();
    const schema = createSchema({
      typeDefs: 'type Query { ok: Boolean } type Subscription { tick: Int }',
      resolvers: { Subscription: { tick: { subscribe: async function* () { yield { tick: 1 }; } } } },
    });
    const yoga = createYoga({ schema, logging: false, plugins: metrics.plugins() });
    const response = await yoga.fetch('http://gateway.test/graphql', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: '{"query":"subscription { tick }"}' });
    expect(await response.text()).toContain('"tick":1');
    const text = await metrics.registry.metrics();
    expect(text).not.toMatch(/^graphql_envelop_request(_duration_count)?\{.*operationType="subscription"/m);
    await yoga.fetch('http://gateway.test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ ok }"}' });
    expect(await metrics.registry.metrics()).toMatch(/^graphql_envelop_request_duration_count\{.*operationType="query".*\} 1$/m);
  });

  it('labels nothing a client chooses, so no client can grow the series without bound', async () => {
    // An attacker's pass: 20,000 requests to /graphql?<1,000 chars>=<n> took RSS from 129 to 2,046
    // MiB (one graphql_yoga_http_duration series per URL), and distinct operation names and aliases
    // (graphql_envelop_error_result's path) made more; past ~25,000, /metrics answered 500, then
    // the heap ran out.
    const metrics = createMetrics();
    const schema = createSchema({ typeDefs: 'type Query { ok: Boolean bad: Boolean }', resolvers: { Query: { ok: () => true, bad: () => { throw new Error('no'); } } } });
    const yoga = createYoga({ schema, logging: false, plugins: metrics.plugins() });
    for (let n = 0; n < 20; n++) {
      const body = JSON.stringify({ query: `query Chosen${n} { alias${n}: bad ok }` });
      await yoga.fetch(`http://host-${n}.test/graphql?padding${n}=${n}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    }
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^graphql_yoga_http_duration_count\{.*\} 20$/m);
    expect(text).toMatch(/^graphql_envelop_error_result\{.*\} 20$/m);
    expect(text).not.toMatch(/Chosen|alias|padding|host-/);
  });

  it('with phaseHistograms, records parse, validate, context and execute', async () => {
    const text = await metricsAfterOneOperation({ phaseHistograms: true });
    for (const phase of ['parse', 'validate', 'context', 'execute']) expect(text).toMatch(new RegExp(`^graphql_envelop_phase_${phase}_count\\{.*\\} 1$`, 'm'));
  });
});
