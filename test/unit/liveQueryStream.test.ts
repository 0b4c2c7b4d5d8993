/** endingAfter: how a @live query's stream ends (src/live/liveQuery.ts). */
import type { ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { endingAfter } from '../../src/live/liveQuery.js';

/** A store's iterator: results pushed by the test, and whether (and when) it was returned. */
function source() {
  const queued: ExecutionResult[] = [];
  let waiting: ((step: IteratorResult<ExecutionResult>) => void) | undefined;
  const state = { returned: false };
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    [Symbol.asyncIterator]: () => iterator,
    next: () => (queued.length ? Promise.resolve({ done: false, value: queued.shift()! }) : new Promise((resolve) => (waiting = resolve))),
    async return() {
      state.returned = true;
      waiting?.({ done: true, value: undefined });
      return { done: true, value: undefined };
    },
  };
  const push = (result: ExecutionResult) => (waiting ? (waiting({ done: false, value: result }), (waiting = undefined)) : queued.push(result));
  return { iterator, push, state };
}

describe('endingAfter', () => {
  it('hands the store return() at once while a next() waits, as a client that leaves a quiet query does', async () => {
    const store = source();
    const { results } = endingAfter(store.iterator, new WeakSet());
    const pending = results.next();
    await results.return!();
    expect(store.state.returned).toBe(true);
    expect(await pending).toEqual({ done: true, value: undefined });
  });

  it('keeps only the latest result for a consumer that does not read, as a paused client', async () => {
    const store = source();
    const { results } = endingAfter(store.iterator, new WeakSet());
    for (let i = 0; i < 1000; i += 1) store.push({ data: { run: i } });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(await results.next()).toEqual({ done: false, value: { data: { run: 999 } } });
    store.push({ data: { run: 1000 } });
    expect(await results.next()).toEqual({ done: false, value: { data: { run: 1000 } } });
  });

  it('hands on no result that says what the last one handed on said, but a final one whatever it says', async () => {
    const store = source();
    const finals = new WeakSet<ExecutionResult>();
    const { results } = endingAfter(store.iterator, finals);
    store.push({ data: { name: 'a' } });
    expect((await results.next()).value).toEqual({ data: { name: 'a' } });
    store.push({ data: { name: 'a' } });
    const pending = results.next();
    await new Promise((resolve) => setTimeout(resolve, 0));
    store.push({ data: { name: 'b' } });
    expect((await pending).value).toEqual({ data: { name: 'b' } });
    const last = { data: { name: 'b' } };
    finals.add(last);
    store.push(last);
    expect((await results.next()).value).toBe(last);
    expect(await results.next()).toEqual({ done: true, value: undefined });
  });

  it('hands on a result that makes no JSON, final or not, for its transport to refuse (a reviewer\'s pass)', async () => {
    const store = source();
    const finals = new WeakSet<ExecutionResult>();
    const { results } = endingAfter(store.iterator, finals);
    const big = { data: { n: 1n } };
    store.push(big);
    expect((await results.next()).value).toBe(big);
    const circular: ExecutionResult & { extensions: Record<string, unknown> } = { data: null, extensions: {} };
    circular.extensions.self = circular;
    finals.add(circular);
    store.push(circular);
    expect((await results.next()).value).toBe(circular);
    expect(await results.next()).toEqual({ done: true, value: undefined });
  });

  it('ends after a final result, which replaces one not yet taken, and reads nothing after it', async () => {
    const store = source();
    const finals = new WeakSet<ExecutionResult>();
    const last = { data: { gone: null } };
    finals.add(last);
    const { results } = endingAfter(store.iterator, finals);
    store.push({ data: { first: 1 } });
    expect((await results.next()).value).toEqual({ data: { first: 1 } });
    store.push({ data: { second: 2 } });
    store.push(last);
    store.push({ data: { after: 3 } });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect((await results.next()).value).toBe(last);
    expect(store.state.returned).toBe(true);
    expect(await results.next()).toEqual({ done: true, value: undefined });
  });

  it('stop() ends it from outside a result, as the registry closing every feed does', async () => {
    const store = source();
    const { results, stop } = endingAfter(store.iterator, new WeakSet());
    const pending = results.next();
    stop();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(store.state.returned).toBe(true);
  });
});
