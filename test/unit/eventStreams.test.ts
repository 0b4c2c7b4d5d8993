import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { GraphQLError } from 'graphql';
import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import { afterEach, expect, it, vi } from 'vitest';
import { sendEventStream, useEventStreams } from '../../src/plugins/eventStreams.js';
import { useLeanSubscriptions } from '../../src/plugins/subscriptionExecutor.js';

/**
 * Ticks 1, 2, then (`ends`) an error yoga masks, an error with yoga's notes, and the end; or after
 * them `waits` for good, or `throws` (the stream itself fails: not a resolver's error, an event).
 */
function gatewayWith(plugins: Plugin[], ended: { count: number } = { count: 0 }, then: 'ends' | 'waits' | 'throws' = 'ends') {
  const ticks = [1, 2, new Error('the vendor said something secret'), new GraphQLError('Gone', { extensions: { code: 'NOT_FOUND', http: { status: 404 } } })];
  // As the registry's feeds: `return` ends one at once, even while its `next` waits.
  const source = (): AsyncIterableIterator<{ tick: unknown }> => {
    let sent = 0;
    let finished = false;
    let waiting: ((result: IteratorResult<{ tick: unknown }>) => void) | undefined;
    const stream: AsyncIterableIterator<{ tick: unknown }> = {
      [Symbol.asyncIterator]: () => stream,
      next: async () => {
        if (finished) return { done: true, value: undefined };
        if (then !== 'ends' && sent === 2) {
          // As a generator that threw: done from then on.
          finished = then === 'throws';
          if (finished) throw new Error('the source failed');
          return new Promise((resolve) => (waiting = resolve));
        }
        return sent < ticks.length ? { done: false, value: { tick: ticks[sent++] } } : { done: true, value: undefined };
      },
      return: async () => {
        finished = true;
        ended.count++;
        waiting?.({ done: true, value: undefined });
        return { done: true, value: undefined };
      },
    };
    return stream;
  };
  const schema = createSchema({
    typeDefs: 'type Query { ok: Boolean } type Subscription { tick: Int }',
    resolvers: {
      Subscription: {
        tick: {
          subscribe: source,
          resolve: (event: { tick: unknown }) => {
            if (event.tick instanceof Error) throw event.tick;
            return event.tick;
          },
        },
      },
    },
  });
  return createYoga({ schema, logging: false, plugins });
}

const subscribe = (yoga: ReturnType<typeof gatewayWith>, query = 'subscription { tick }', accept = 'text/event-stream') =>
  yoga.fetch('http://gateway.test/graphql', { method: 'POST', headers: { 'content-type': 'application/json', accept }, body: JSON.stringify({ query }) });

/** What sendEventStream uses of a Node response, recording what it is sent. */
class Recorder extends EventEmitter {
  head: [number, Record<string, string>] | undefined;
  written: string[] = [];
  ended = false;
  destroyed = false;
  writableNeedDrain = false;
  writeHead(status: number, headers: Record<string, string>) {
    this.head = [status, headers];
    return this;
  }
  write(chunk: Buffer) {
    this.written.push(chunk.toString());
    return !this.writableNeedDrain;
  }
  end() {
    this.ended = true;
    return this;
  }
  destroy() {
    this.destroyed = true;
    return this;
  }
  get text() {
    return this.written.join('');
  }
}

const asResponse = (recorder: Recorder) => recorder as unknown as ServerResponse;
const logger = { error: vi.fn() };
const settle = () => new Promise((resolve) => setImmediate(resolve));

afterEach(() => {
  vi.useRealTimers();
});

it("writes a subscription's events to the socket byte for byte as yoga's own SSE processor streams them, coded and without yoga's notes", async () => {
  const theirs = await (await subscribe(gatewayWith([]))).text();
  const recorder = new Recorder();
  const answer = await subscribe(gatewayWith([useEventStreams()]));
  expect(sendEventStream(answer, asResponse(recorder), logger)).toBe(true);
  await vi.waitFor(() => expect(recorder.ended).toBe(true));
  // yoga's masked error carries `unexpected`, the refusal `http`: its serializer drops both.
  expect(theirs).not.toContain('unexpected');
  expect(theirs).not.toContain('"http"');
  expect(recorder.text).toBe(theirs);
  // no-store where yoga says no-cache, which lets a shared cache keep a caller's events (a reviewer's pass).
  expect(recorder.head).toEqual([200, expect.objectContaining({ 'content-type': 'text/event-stream', 'cache-control': 'no-store' })]);
  // Read from its body by a fetch API caller, the same events.
  expect(await (await subscribe(gatewayWith([useEventStreams()]))).text()).toBe(theirs);
});

it('leaves queries, refusals and other media types to yoga', async () => {
  const yoga = gatewayWith([useEventStreams()]);
  const recorder = new Recorder();
  for (const answer of [await subscribe(yoga, '{ ok }'), await subscribe(yoga, 'subscription { nope }'), await subscribe(yoga, 'subscription { tick }', 'application/json')]) {
    expect(sendEventStream(answer, asResponse(recorder), logger)).toBe(false);
  }
  expect(recorder.head).toBeUndefined();
});

it('ends the subscription when its client goes, while it waits for an event', async () => {
  const ended = { count: 0 };
  const recorder = new Recorder();
  sendEventStream(await subscribe(gatewayWith([useEventStreams()], ended, 'waits')), asResponse(recorder), logger);
  await vi.waitFor(() => expect(recorder.text).toContain('"tick":2'));
  expect(ended.count).toBe(0);
  recorder.emit('close');
  await vi.waitFor(() => expect(ended.count).toBe(1));
  expect(recorder.ended).toBe(false);
});

it('ends the subscription of a client that went while it was being set up, and writes nothing', async () => {
  const ended = { count: 0 };
  const answer = await subscribe(gatewayWith([useEventStreams()], ended, 'waits'));
  const recorder = new Recorder();
  recorder.destroyed = true;
  recorder.emit('close');
  expect(sendEventStream(answer, asResponse(recorder), logger)).toBe(true);
  await vi.waitFor(() => expect(ended.count).toBe(1));
  expect(recorder.head).toBeUndefined();
  expect(recorder.written).toEqual([]);
  expect(recorder.listenerCount('drain') + recorder.listenerCount('close')).toBe(0);
});

it('pings every open stream every 12 s, but one its client does not read, and stops with the last', async () => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  const [reading, stalled] = [new Recorder(), new Recorder()];
  sendEventStream(await subscribe(gatewayWith([useEventStreams()], undefined, 'waits')), asResponse(reading), logger);
  sendEventStream(await subscribe(gatewayWith([useEventStreams()], undefined, 'waits')), asResponse(stalled), logger);
  await vi.waitFor(() => expect([reading.text, stalled.text].every((text) => text.includes('"tick":2'))).toBe(true));
  stalled.writableNeedDrain = true;
  const [before, stalledBefore] = [reading.written.length, stalled.written.length];
  vi.advanceTimersByTime(12_000);
  expect(reading.written.slice(before)).toEqual([':\n\n']);
  expect(stalled.written.length).toBe(stalledBefore);
  reading.emit('close');
  stalled.emit('close');
  await settle();
  expect(vi.getTimerCount()).toBe(0);
});

it('waits for a client that does not read before it takes the next event, and goes on when it drains', async () => {
  const recorder = new Recorder();
  recorder.writableNeedDrain = true;
  sendEventStream(await subscribe(gatewayWith([useEventStreams()])), asResponse(recorder), logger);
  await vi.waitFor(() => expect(recorder.written.length).toBe(1));
  await settle();
  // The opening ping was not taken: nothing more is pulled from the subscription.
  expect(recorder.written).toEqual([':\n\n']);
  recorder.writableNeedDrain = false;
  recorder.emit('drain');
  await vi.waitFor(() => expect(recorder.ended).toBe(true));
  expect(recorder.text).toContain('event: complete');
});

it('ends a subscription whose stream fails as yoga does: a masked error, then complete', async () => {
  const theirs = await (await subscribe(gatewayWith([useLeanSubscriptions()], undefined, 'throws'))).text();
  expect(theirs).toContain('"code":"INTERNAL_SERVER_ERROR"');
  expect(theirs).not.toContain('the source failed');
  const recorder = new Recorder();
  sendEventStream(await subscribe(gatewayWith([useLeanSubscriptions(), useEventStreams()], undefined, 'throws')), asResponse(recorder), logger);
  await vi.waitFor(() => expect(recorder.ended).toBe(true));
  expect(recorder.text).toBe(theirs);
});
