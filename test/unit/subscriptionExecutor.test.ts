import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { expect, it } from 'vitest';
import { useLeanSubscriptions } from '../../src/plugins/subscriptionExecutor.js';

/** The subscribe function yoga gives a subscription's document, and the one it runs on after the plugin. */
async function subscribeFnsFor(query: string) {
  const seen: unknown[] = [];
  const spy: Plugin = {
    onSubscribe({ subscribeFn }) {
      seen.push(subscribeFn);
    },
  };
  const schema = createSchema({
    typeDefs: 'type Query { ok: Boolean } type Tick { n: Int, at: Int } type Subscription { tick: Tick }',
    resolvers: { Subscription: { tick: { subscribe: async function* () { yield { tick: { n: 1, at: 2 } }; } } } },
  });
  const yoga = createYoga({ schema, logging: false, plugins: [useDeferStream(), spy, useLeanSubscriptions(), spy] });
  const response = await yoga.fetch('http://gateway.test/graphql', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify({ query }) });
  expect(await response.text()).toContain('"n":1');
  const [yogas, chosen] = seen;
  return { yogas, chosen };
}

it('runs a subscription on graphql-js’s own subscribe instead of yoga’s executor', async () => {
  const { yogas, chosen } = await subscribeFnsFor('subscription { tick { n at } }');
  expect(chosen).not.toBe(yogas);
});

it('leaves one that uses @defer or @stream, in a fragment too, on yoga’s executor, which delivers them', async () => {
  for (const query of ['subscription { tick { n ... @defer { at } } }', 'subscription { tick { ...Rest } } fragment Rest on Tick { n ... @defer { at } }']) {
    const { yogas, chosen } = await subscribeFnsFor(query);
    expect(chosen).toBe(yogas);
  }
});

it('a subscription refused for its variables gets yoga’s executor’s refusal, as a query does: BAD_USER_INPUT, HTTP 400', async () => {
  const schema = createSchema({
    typeDefs: 'type Query { ok: Boolean } type Subscription { tick(n: Int!): Int }',
    resolvers: { Subscription: { tick: { subscribe: async function* () { yield { tick: 1 }; } } } },
  });
  const yoga = createYoga({ schema, logging: false, maskedErrors: false, plugins: [useLeanSubscriptions()] });
  const response = await yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query: 'subscription($n: Int!) { tick(n: $n) }', variables: {} }),
  });
  expect(response.status).toBe(400);
  expect(await response.text()).toContain('"code":"BAD_USER_INPUT"');
});
