/**
 * Subscriptions run on graphql-js's own `subscribe`, not on the executor yoga gives every operation
 * (@graphql-tools/executor's normalizedExecutor). That one wraps each subscription's stream in a
 * flattenAsyncIterable, so that an event may itself be incremental (@defer, @stream); its pending
 * `next()` holds a chain of async frames for as long as the subscription lives. Measured with a
 * sampled heap profile of 1,000 subscribers (the live benchmark's subscription, together with
 * @envelop/prometheus no longer hooking subscriptions, metrics.ts): 38.7 → 33.1 KB each over SSE,
 * 24.2 → 18.5 KB over WebSocket. A subscription whose document asks for @defer or @stream keeps
 * yoga's executor, which delivers them.
 */
import { BREAK, subscribe, visit, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Whether a document uses @defer or @stream anywhere (a fragment it spreads included). */
function isIncremental(document: DocumentNode) {
  let incremental = false;
  visit(document, {
    Directive(node) {
      if (node.name.value !== 'defer' && node.name.value !== 'stream') return undefined;
      incremental = true;
      return BREAK;
    },
  });
  return incremental;
}

export function useLeanSubscriptions(): Plugin {
  return {
    onSubscribe({ args, setSubscribeFn }) {
      if (!isIncremental(args.document)) setSubscribeFn(subscribe);
    },
  };
}
