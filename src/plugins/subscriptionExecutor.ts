/**
 * Subscriptions run on graphql-js's own `subscribe`, not on the executor yoga gives every operation
 * (@graphql-tools/executor's normalizedExecutor). That one wraps each subscription's stream in a
 * flattenAsyncIterable, so that an event may itself be incremental (@defer, @stream); its pending
 * `next()` holds a chain of async frames for as long as the subscription lives. Measured with a
 * sampled heap profile of 1,000 subscribers (the live benchmark's subscription, together with
 * @envelop/prometheus no longer hooking subscriptions, metrics.ts): 38.7 → 33.1 KB each over SSE,
 * 24.2 → 18.5 KB over WebSocket. A subscription whose document asks for @defer or @stream keeps
 * yoga's executor, which delivers them, and so does one refused for its variables, with the same
 * error as before.
 */
import { subscribe, type ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { isIncremental } from './directives.js';

/** Refused before it ran: its variables, or its operation name (a resolver's error has a path). */
const refusedBeforeRunning = (result: AsyncIterable<unknown> | ExecutionResult) =>
  !isAsyncIterable(result) && (result.errors?.length ?? 0) > 0 && result.errors!.every((error) => !error.path);

export function useLeanSubscriptions(): Plugin {
  return {
    onSubscribe({ args, subscribeFn, setSubscribeFn }) {
      if (isIncremental(args.document)) return;
      // A subscription refused before it ran is refused again by yoga's executor, whose errors
      // carry the code and status they carry for a query (BAD_USER_INPUT, HTTP 400).
      setSubscribeFn(async (subscribeArgs) => {
        const result = await subscribe(subscribeArgs);
        return refusedBeforeRunning(result) ? subscribeFn(subscribeArgs) : result;
      });
    },
  };
}
