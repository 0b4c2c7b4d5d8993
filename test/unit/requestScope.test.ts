import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { requestScope, useRequestScope } from '../../src/observability/requestScope.js';

/** A gateway-less yoga whose one field says whether the resolver ran inside a request scope. */
function yogaAt(level: string) {
  const schema = createSchema({ typeDefs: 'type Query { scope: String }', resolvers: { Query: { scope: () => requestScope.getStore()?.requestId ?? null } } });
  const yoga = createYoga({ schema, logging: false, plugins: [useRequestScope(createLogger(level))] });
  return async (headers: Record<string, string> = {}) => {
    const response = await yoga.fetch('http://gateway.test/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"query":"{ scope }"}' });
    return { id: response.headers.get('x-request-id'), scope: ((await response.json()) as { data: { scope: string | null } }).data.scope };
  };
}

describe('useRequestScope', () => {
  it('at debug, runs the request in its scope: the id a log line carries is the one echoed', async () => {
    const post = yogaAt('debug');
    expect(await post({ 'x-request-id': 'trace-me-42' })).toEqual({ id: 'trace-me-42', scope: 'trace-me-42' });
    const fresh = await post({ 'x-request-id': 'not a token' });
    expect(fresh.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(fresh.scope).toBe(fresh.id);
  });

  it('at info, where nothing is logged per request, keeps no scope (no promise hooks) and still echoes the id', async () => {
    const post = yogaAt('info');
    expect(await post({ 'x-request-id': 'trace-me-42' })).toEqual({ id: 'trace-me-42', scope: null });
    expect((await post()).id).toMatch(/^[0-9a-f-]{36}$/);
  });
});
