import { createSchema, createYoga } from 'graphql-yoga';
import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { compileQuery } from 'graphql-jit';
import { describe, expect, it, vi } from 'vitest';
import { useCompiledQueries } from '../../src/plugins/compiledQueries.js';

vi.mock('graphql-jit', async (original) => {
  const jit = await original<typeof import('graphql-jit')>();
  return { ...jit, compileQuery: vi.fn(jit.compileQuery) };
});

function gateway() {
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: 'type Query { n: Int s: String } type Mutation { m: Int }',
      resolvers: { Query: { n: () => 1, s: () => 'x' }, Mutation: { m: () => 2 } },
    }),
    plugins: [useDeferStream(), useCompiledQueries()],
  });
  return async (query: string, operationName?: string) => {
    const response = await yoga.fetch('http://gateway/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, multipart/mixed' },
      body: JSON.stringify({ query, operationName }),
    });
    return response.text();
  };
}

describe('compiled queries', () => {
  it('compiles a query on its second execution, once, and not one-off documents', async () => {
    const send = gateway();
    vi.mocked(compileQuery).mockClear();
    expect(await send('{ n }')).toBe('{"data":{"n":1}}');
    expect(compileQuery).not.toHaveBeenCalled();
    for (let i = 0; i < 3; i++) expect(await send('{ n }')).toBe('{"data":{"n":1}}');
    expect(compileQuery).toHaveBeenCalledTimes(1);
  });

  it('leaves mutations, @defer and unknown operation names to graphql-js', async () => {
    const send = gateway();
    vi.mocked(compileQuery).mockClear();
    for (let i = 0; i < 3; i++) {
      expect(await send('mutation { m }')).toBe('{"data":{"m":2}}');
      expect(await send('{ n ... @defer { s } }')).toContain('"hasNext":false');
      expect(await send('query A { n }', `B${i}`)).toContain('"errors"');
    }
    expect(compileQuery).not.toHaveBeenCalled();
  });
});
