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

  it('with phaseHistograms, records parse, validate, context and execute', async () => {
    const text = await metricsAfterOneOperation({ phaseHistograms: true });
    for (const phase of ['parse', 'validate', 'context', 'execute']) expect(text).toMatch(new RegExp(`^graphql_envelop_phase_${phase}_count\\{.*\\} 1$`, 'm'));
  });
});
