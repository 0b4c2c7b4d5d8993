import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { useArgumentLimits } from '../../src/plugins/limits.js';

/** A yoga with the plugin, and after it one that records the variables the request still holds when the operation starts. */
function withPlugin() {
  const held: string[][] = [];
  const record: Plugin = {
    onExecute: ({ args }) => void held.push(Object.keys((args.contextValue as { params: { variables: object } }).params.variables)),
    onSubscribe: ({ args }) => void held.push(Object.keys((args.contextValue as { params: { variables: object } }).params.variables)),
  };
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: 'type Query { echo(text: String): String } type Subscription { ticks(from: Int!): Int }',
      resolvers: {
        Query: { echo: (_: unknown, { text }: { text?: string }) => text ?? null },
        Subscription: {
          ticks: {
            subscribe: async function* (_: unknown, { from }: { from: number }) {
              yield { ticks: from };
            },
          },
        },
      },
    }),
    plugins: [useArgumentLimits(100, 10_000), record],
  });
  const post = (query: string, variables: Record<string, unknown>, accept = 'application/json') =>
    yoga.fetch('http://gateway/graphql', { method: 'POST', headers: { 'content-type': 'application/json', accept }, body: JSON.stringify({ query, variables }) });
  return { held, post };
}

describe('variables an operation does not declare', () => {
  const junk = Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [`junk${i}`, { deep: 'x'.repeat(100) }]));

  it('are dropped from the request before a query runs, and the answer is unchanged', async () => {
    const { held, post } = withPlugin();
    const response = await post('query($text: String) { echo(text: $text) }', { text: 'hi', ...junk });
    expect(await response.json()).toEqual({ data: { echo: 'hi' } });
    expect(held).toEqual([['text']]);
  });

  // A subscription holds its request for as long as its client likes: 1 MB of such variables held
  // ~8 MB of heap per subscription (an attacker's pass).
  it('are dropped from a subscription’s request, which it holds while it runs', async () => {
    const { held, post } = withPlugin();
    const response = await post('subscription($from: Int!) { ticks(from: $from) }', { from: 7, ...junk }, 'text/event-stream');
    expect(await response.text()).toContain('{"data":{"ticks":7}}');
    expect(held).toEqual([['from']]);
  });
});
