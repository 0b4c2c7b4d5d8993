import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { compileQuery } from 'graphql-jit';
import { describe, expect, it, vi } from 'vitest';
import { COMPILE_BUDGET, useCompiledQueries, type CompileOutcome, type CompiledQueriesOptions } from '../../src/plugins/compiledQueries.js';
import { useErrorCodes } from '../../src/plugins/errorCodes.js';

vi.mock('graphql-jit', async (original) => {
  const jit = await original<typeof import('graphql-jit')>();
  return { ...jit, compileQuery: vi.fn(jit.compileQuery) };
});

function gateway(options: CompiledQueriesOptions = {}, plugins: Plugin[] = []) {
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: 'type Query { n: Int s: String a: A } type A { x: String! } type Mutation { m: Int }',
      resolvers: { Query: { n: () => 1, s: () => 'x', a: () => ({}) }, A: { x: () => null }, Mutation: { m: () => 2 } },
    }),
    logging: false,
    plugins: [useDeferStream(), ...plugins, useCompiledQueries(options)],
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

  it('compiles within its budget: past it, a document runs on graphql-js, and is compiled once the budget refills', async () => {
    const jit = await vi.importActual<typeof import('graphql-jit')>('graphql-jit');
    let now = 0;
    // Each compile takes 10 ms of this clock; the budget is a 5 ms burst, refilled at 1 ms a second.
    vi.mocked(compileQuery).mockImplementation((...args) => {
      now += 10;
      return jit.compileQuery(...args);
    });
    try {
      const outcomes: CompileOutcome[] = [];
      const send = gateway({ budget: { ...COMPILE_BUDGET, burstMs: 5, perSecondMs: 1 }, clock: () => now, counted: (outcome) => outcomes.push(outcome) });
      vi.mocked(compileQuery).mockClear();
      for (let i = 0; i < 3; i++) expect(await send('{ n }')).toBe('{"data":{"n":1}}');
      for (let i = 0; i < 3; i++) expect(await send('{ s }')).toBe('{"data":{"s":"x"}}');
      expect(compileQuery).toHaveBeenCalledTimes(1);
      now += 4_000;
      expect(await send('{ s }')).toBe('{"data":{"s":"x"}}');
      expect(compileQuery).toHaveBeenCalledTimes(1);
      now += 2_000;
      expect(await send('{ s }')).toBe('{"data":{"s":"x"}}');
      expect(compileQuery).toHaveBeenCalledTimes(2);
      // What an operator sees: { s } held back three times before the budget let it through.
      expect(outcomes).toEqual(['compiled', 'over_budget', 'over_budget', 'over_budget', 'compiled']);
    } finally {
      vi.mocked(compileQuery).mockImplementation(jit.compileQuery);
    }
  });

  it('keeps compiled queries within their documents\' characters, the least recently run going first', async () => {
    const send = gateway({ budget: { ...COMPILE_BUDGET, maxSourceCharacters: '{ n }'.length } });
    vi.mocked(compileQuery).mockClear();
    for (const query of ['{ n }', '{ n }', '{ n }', '{ s }', '{ s }', '{ n }', '{ n }']) await send(query);
    // { n } compiled, then pushed out by { s }, and compiled again.
    expect(compileQuery).toHaveBeenCalledTimes(3);
    // Larger than the whole budget: never compiled, rather than compiled at every execution.
    for (let i = 0; i < 3; i++) await send('{ n s }');
    expect(compileQuery).toHaveBeenCalledTimes(3);
  });

  it("answers a non-null field that resolved to null as yoga's executor does, once useErrorCodes masks it", async () => {
    const send = gateway({}, [useErrorCodes()]);
    const answers = new Set<string>();
    for (let i = 0; i < 3; i++) answers.add(await send('{ a { x x } }'));
    expect([...answers]).toEqual([
      '{"errors":[{"message":"Unexpected error.","locations":[{"line":1,"column":7},{"line":1,"column":9}],"path":["a","x"],"extensions":{"code":"INTERNAL_SERVER_ERROR"}}],"data":{"a":null}}',
    ]);
  });
});
