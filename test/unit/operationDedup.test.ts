import { GraphQLError } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it, vi } from 'vitest';
import { Callers } from '../../src/http/callers.js';
import { useOperationDedup } from '../../src/plugins/operationDedup.js';

/** A yoga whose resolvers count how often they run, with credentials taken from a header. */
function counting() {
  const runs = { query: 0, mutation: 0 };
  const slow = <T>(value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), 50));
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: 'type Query { n(x: Int): Int e: Int w: Int v: Int } type Mutation { m: Int }',
      resolvers: {
        Query: {
          n: (_: unknown, { x }: { x?: number }) => slow(++runs.query + (x ?? 0)),
          // A read shared with a caller that stays: it goes on whoever leaves.
          v: () => new Promise((resolve) => setTimeout(() => resolve(0), 200)),
          w: (_: unknown, __: unknown, { callers }: { credentials: { token: string | null }; callers: Callers }) => {
            runs.query += 1;
            const { signal } = callers;
            return new Promise((resolve, reject) => {
              setTimeout(() => resolve(runs.query), 100);
              signal.addEventListener('abort', () => reject(new GraphQLError('abandoned', { extensions: { code: 'ABANDONED' } })));
            });
          },
          e: () => slow(null).then(() => {
            throw new GraphQLError('boom', { extensions: { code: 'BOOM', http: { headers: { 'x-internal': '1' } } } });
          }),
        },
        Mutation: { m: () => slow(++runs.mutation) },
      },
    }),
    // As the gateway's: its vendor reads follow the callers' signal, abandoned once all have gone.
    context: ({ request }) => ({ credentials: { token: request.headers.get('token') }, callers: new Callers(request.signal) }),
    plugins: [useOperationDedup()],
  });
  const send = async (query: string, token = 'a', variables = {}, signal?: AbortSignal) => {
    const response = await yoga.fetch('http://gateway/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', token },
      body: JSON.stringify({ query, variables }),
      ...(signal ? { signal } : {}),
    });
    return (await response.json()) as unknown;
  };
  return { runs, send };
}

describe('operation deduplication', () => {
  it('runs identical concurrent queries of the same credentials once, and shares the result', async () => {
    const { runs, send } = counting();
    const results = await Promise.all([send('{ n }'), send('{ n }'), send('{ n }')]);
    expect(runs.query).toBe(1);
    expect(results).toEqual([{ data: { n: 1 } }, { data: { n: 1 } }, { data: { n: 1 } }]);
  });

  it('never shares across credentials, variables or documents, nor after the first finished', async () => {
    const { runs, send } = counting();
    await Promise.all([send('{ n }', 'a'), send('{ n }', 'b'), send('query($x: Int) { n(x: $x) }', 'a', { x: 1 }), send('{ other: n }', 'a')]);
    expect(runs.query).toBe(4);
    await send('{ n }', 'a');
    expect(runs.query).toBe(5);
  });

  it('serializes a shared result once; a shared result with errors still loses yoga internals', async () => {
    const { send } = counting();
    const stringify = vi.spyOn(JSON, 'stringify');
    try {
      const results = await Promise.all([send('{ n }'), send('{ n }'), send('{ n }')]);
      expect(results).toEqual([{ data: { n: 1 } }, { data: { n: 1 } }, { data: { n: 1 } }]);
      const resultsSerialized = stringify.mock.calls.filter(([value]) => typeof value === 'object' && value !== null && 'data' in value);
      expect(resultsSerialized).toHaveLength(1);
    } finally {
      stringify.mockRestore();
    }
    const failed = await Promise.all([send('{ e }'), send('{ e }')]);
    for (const body of failed) {
      expect(body).toEqual({ data: { e: null }, errors: [{ message: 'boom', locations: [{ line: 1, column: 3 }], path: ['e'], extensions: { code: 'BOOM' } }] });
    }
  });

  it('runs again for a caller who comes after every earlier caller left, rather than answer with their abandoned reads', async () => {
    const { runs, send } = counting();
    const leaver = new AbortController();
    const left = send('{ w v }', 'a', {}, leaver.signal).catch(() => 'hung up');
    await new Promise((resolve) => setTimeout(resolve, 20));
    leaver.abort();
    // The abandoned execution has not ended yet when the next caller comes (a reviewer's finding:
    // it answered with the leaver's abandoned vendor reads).
    const stayer = await send('{ w v }');
    expect(stayer).toEqual({ data: { w: 2, v: 0 } });
    expect(runs.query).toBe(2);
    await left;
  });

  it('never shares a mutation', async () => {
    const { runs, send } = counting();
    await Promise.all([send('mutation { m }'), send('mutation { m }')]);
    expect(runs.mutation).toBe(2);
  });
});
