import { subscribe } from 'graphql';
import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { expect, it } from 'vitest';
import { useLeanSubscriptions } from '../../src/plugins/subscriptionExecutor.js';

/** The subscribe function a subscription's document ends up running on, after the plugin. */
async function subscribeFnFor(query: string) {
  let chosen: unknown;
  const spy: Plugin = {
    onSubscribe({ subscribeFn }) {
      chosen = subscribeFn;
    },
  };
  const schema = createSchema({
    typeDefs: 'type Query { ok: Boolean } type Tick { n: Int, at: Int } type Subscription { tick: Tick }',
    resolvers: { Subscription: { tick: { subscribe: async function* () { yield { tick: { n: 1, at: 2 } }; } } } },
  });
  const yoga = createYoga({ schema, logging: false, plugins: [useDeferStream(), useLeanSubscriptions(), spy] });
  const response = await yoga.fetch('http://gateway.test/graphql', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify({ query }) });
  expect(await response.text()).toContain('"n":1');
  return chosen;
}

it('runs a subscription on graphql-js’s own subscribe', async () => {
  expect(await subscribeFnFor('subscription { tick { n at } }')).toBe(subscribe);
});

it('leaves one that uses @defer or @stream, in a fragment too, on the executor it had (yoga’s delivers them)', async () => {
  expect(await subscribeFnFor('subscription { tick { n ... @defer { at } } }')).not.toBe(subscribe);
  expect(await subscribeFnFor('subscription { tick { ...Rest } } fragment Rest on Tick { n ... @defer { at } }')).not.toBe(subscribe);
});
