import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import { createLiveRegistry, type LiveResource, type LiveSettings } from '../../src/live/registry.js';
import type { Credentials } from '../../src/upstreams/credentials.js';

const settings = (overrides: Partial<LiveSettings> = {}): LiveSettings => ({
  intervalMs: { IWERP: 1000, POPSELL: 1000, MESSENGER: 1000 },
  maxPollsPerSecond: { IWERP: 1000, POPSELL: 1000, MESSENGER: 1000 },
  maxPollsInFlight: { IWERP: 48, POPSELL: 48, MESSENGER: 48 },
  maxSubscriptions: 1000,
  maxSubscriptionsPerCredential: 1000,
  ...overrides,
});

const iwerpCredentials = (sessionToken: string): Credentials => ({
  iwerp: { sessionToken, buildId: undefined, packageId: undefined },
  popsell: null,
  messenger: null,
});

/** A vendor resource whose state the test sets; it records every fetch and who made it. */
function fakeResource(key = 'room|1') {
  const state = { value: 1, error: undefined as unknown, calls: [] as string[], aborted: 0, hold: false };
  let release: (() => void) | undefined;
  const resource: LiveResource<number> = {
    provider: 'IWERP',
    key,
    async fetch(credentials, signal) {
      state.calls.push(credentials.iwerp?.sessionToken ?? '');
      // Counts aborts of this fetch while it is in flight, as the vendor door's layers listen.
      const aborted = () => (state.aborted += 1);
      signal.addEventListener('abort', aborted);
      try {
        if (state.hold) await new Promise<void>((resolve) => (release = resolve));
        if (state.error) throw state.error;
        return state.value;
      } finally {
        signal.removeEventListener('abort', aborted);
      }
    },
    same: (a, b) => a === b,
  };
  return { resource, state, release: () => release?.() };
}

/** Lets every settled promise run, without moving the clock. */
const settle = () => vi.advanceTimersByTimeAsync(0);

/** The feed's next state, letting a poll that is due now run first. */
async function nextOf<T>(feed: AsyncIterator<T>) {
  const pending = feed.next();
  await settle();
  return pending;
}

describe('live registry', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('polls a resource once per interval for fifty subscribers of one credential', async () => {
    const registry = createLiveRegistry({ settings: settings(), paused: () => false });
    const { resource, state } = fakeResource();
    const feeds = Array.from({ length: 50 }, () => registry.watch(resource, iwerpCredentials('a')));
    const first = await Promise.all(feeds.map(nextOf));
    expect(first.every((r) => r.value?.kind === 'state' && r.value.value === 1)).toBe(true);
    expect(state.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(state.calls).toHaveLength(6);
    expect(registry.stats().watchedPairs.IWERP).toBe(1);
    registry.close();
  });

  // An attacker's pass: in the poll budget, first polls came first come, first served, and
  // subscriptions with made-up credentials (each a new pair, refused only by its first poll)
  // delayed everyone else's first events by seconds, and more the longer it went on.
  it('reads a new pair’s first state at once, whatever the poll budget; a refused credential is never polled again', async () => {
    const registry = createLiveRegistry({ settings: settings({ maxPollsPerSecond: { IWERP: 1, POPSELL: 1, MESSENGER: 1 } }), paused: () => false });
    const { resource, state } = fakeResource();
    const refused = fakeResource();
    refused.state.error = new GatewayError('UNAUTHENTICATED', 'no such session', { provider: 'IWERP' });
    const junk = Array.from({ length: 20 }, (_, i) => registry.watch(refused.resource, iwerpCredentials(`junk-${i}`)));
    const feeds = Array.from({ length: 20 }, (_, i) => registry.watch(resource, iwerpCredentials(`user-${i}`)));
    const firsts: unknown[] = [];
    for (const feed of [...feeds, ...junk]) void feed.next().then((r) => firsts.push(r.value?.kind));
    // Every first event within milliseconds (half the 48 polls in flight at a time, a timer's
    // millisecond between): none waited for the budget of one a second.
    await vi.advanceTimersByTimeAsync(5);
    expect(firsts.sort()).toEqual([...Array(20).fill('failed'), ...Array(20).fill('state')]);
    // Then polled within the budget of one a second; the refused ones, never.
    await vi.advanceTimersByTimeAsync(5000);
    expect(refused.state.calls).toHaveLength(20);
    expect(state.calls.length - 20).toBeGreaterThanOrEqual(4);
    expect(state.calls.length - 20).toBeLessThanOrEqual(5);
    expect(registry.stats().watchedPairs.IWERP).toBe(20);
    registry.close();
  });

  it('polls once per credential, each with its own', async () => {
    const registry = createLiveRegistry({ settings: settings(), paused: () => false });
    const { resource, state } = fakeResource();
    registry.watch(resource, iwerpCredentials('a'));
    registry.watch(resource, iwerpCredentials('b'));
    registry.watch(resource, iwerpCredentials('b'));
    await vi.advanceTimersByTimeAsync(1500);
    expect(state.calls.sort()).toEqual(['a', 'a', 'b', 'b']);
    registry.close();
  });

  it('hands a subscriber only states it has not seen, and nothing when a poll finds no change', async () => {
    const registry = createLiveRegistry({ settings: settings(), paused: () => false });
    const { resource, state } = fakeResource();
    const feed = registry.watch(resource, iwerpCredentials('a'));
    expect((await nextOf(feed)).value).toMatchObject({ kind: 'state', value: 1 });
    let second: unknown;
    void feed.next().then((r) => (second = r.value));
    await vi.advanceTimersByTimeAsync(3000);
    expect(second).toBeUndefined();
    state.value = 2;
    await vi.advanceTimersByTimeAsync(1000);
    expect(second).toMatchObject({ kind: 'state', value: 2 });
    registry.close();
  });

  it('ends a feed once its client’s signal fires, whoever holds it, and stops listening to the signal when it leaves', async () => {
    const registry = createLiveRegistry({ settings: settings(), paused: () => false });
    const { resource } = fakeResource();
    const client = new AbortController();
    const feed = registry.watch(resource, iwerpCredentials('a'), { until: client.signal });
    await nextOf(feed);
    const pending = feed.next();
    client.abort();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(registry.stats().subscribers.IWERP).toBe(0);

    const other = new AbortController();
    const left = registry.watch(resource, iwerpCredentials('a'), { until: other.signal });
    expect(getEventListeners(other.signal, 'abort')).toHaveLength(1);
    await left.return();
    expect(getEventListeners(other.signal, 'abort')).toHaveLength(0);

    const gone = AbortSignal.abort();
    expect(await registry.watch(resource, iwerpCredentials('a'), { until: gone }).next()).toEqual({ value: undefined, done: true });
    expect(registry.stats().subscribers.IWERP).toBe(0);
    registry.close();
  });

  it('keeps only the latest state for a slow consumer', async () => {
    const registry = createLiveRegistry({ settings: settings(), paused: () => false });
    const { resource, state } = fakeResource();
    const feed = registry.watch(resource, iwerpCredentials('a'));
    await nextOf(feed);
    for (const value of [2, 3, 4]) {
      state.value = value;
      await vi.advanceTimersByTimeAsync(1000);
    }
    expect((await feed.next()).value).toMatchObject({ value: 4 });
    registry.close();
  });

  it('a late subscriber gets the current state without a poll of its own', async () => {
    const registry = createLiveRegistry({ settings: settings(), paused: () => false });
    const { resource, state } = fakeResource();
    await nextOf(registry.watch(resource, iwerpCredentials('a')));
    const late = registry.watch(resource, iwerpCredentials('a'));
    expect((await late.next()).value).toMatchObject({ value: 1 });
    expect(state.calls).toHaveLength(1);
    registry.close();
  });

  it('stops polling at once when the last subscriber leaves, aborting a poll in flight', async () => {
    const registry = createLiveRegistry({ settings: settings(), paused: () => false });
    const { resource, state } = fakeResource();
    const one = registry.watch(resource, iwerpCredentials('a'));
    const two = registry.watch(resource, iwerpCredentials('a'));
    await nextOf(one);
    await two.next();
    await one.return();
    await vi.advanceTimersByTimeAsync(1000);
    expect(state.calls).toHaveLength(2);
    state.hold = true;
    await vi.advanceTimersByTimeAsync(1000);
    expect(state.calls).toHaveLength(3);
    const pending = two.next();
    await two.return();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(state.aborted).toBe(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(state.calls).toHaveLength(3);
    expect(registry.stats().watchedPairs.IWERP).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    registry.close();
  });

  it('holds the budget and stretches every pair alike', async () => {
    const registry = createLiveRegistry({
      settings: settings({ maxPollsPerSecond: { IWERP: 4, POPSELL: 1000, MESSENGER: 1000 } }),
      paused: () => false,
    });
    const starts: number[] = [];
    const resources = Array.from({ length: 10 }, (_, i) => {
      const fake = fakeResource(`room|${i}`);
      const fetch = fake.resource.fetch;
      fake.resource.fetch = (credentials, signal) => {
        // A new pair's first read is outside the budget (scheduler.ts).
        if (fake.state.calls.length > 0) starts.push(Date.now());
        return fetch(credentials, signal);
      };
      registry.watch(fake.resource, iwerpCredentials('a'));
      return fake;
    });
    await vi.advanceTimersByTimeAsync(20_000);
    // Never more than 4 polls within any second.
    for (const start of starts) expect(starts.filter((t) => t >= start && t < start + 1000).length).toBeLessThanOrEqual(4);
    // 10 pairs at 4 a second: each is polled every 2.5 s instead of every 1 s, all alike.
    const counts = resources.map((r) => r.state.calls.length);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    expect(starts.length).toBeGreaterThanOrEqual(76);
    registry.close();
  });

  it('waits while the vendor breaker is open', async () => {
    let open = true;
    const registry = createLiveRegistry({ settings: settings(), paused: () => open });
    const { resource, state } = fakeResource();
    registry.watch(resource, iwerpCredentials('a'));
    await vi.advanceTimersByTimeAsync(5000);
    expect(state.calls).toHaveLength(0);
    open = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(state.calls).toHaveLength(1);
    registry.close();
  });

  it('stays silent through transient failures and ends on a final one', async () => {
    const polled: string[] = [];
    const registry = createLiveRegistry({ settings: settings(), paused: () => false, hooks: { polled: (_, outcome) => polled.push(outcome) } });
    const { resource, state } = fakeResource();
    const feed = registry.watch(resource, iwerpCredentials('a'));
    await nextOf(feed);
    let next: IteratorResult<unknown> | undefined;
    void feed.next().then((r) => (next = r));
    state.error = new GatewayError('UPSTREAM_TIMEOUT', 'slow', { provider: 'IWERP' });
    await vi.advanceTimersByTimeAsync(3000);
    expect(next).toBeUndefined();
    state.error = new GatewayError('UNAUTHENTICATED', 'no', { provider: 'IWERP' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(next?.value).toMatchObject({ kind: 'failed', error: { code: 'UNAUTHENTICATED' } });
    expect(await feed.next()).toEqual({ value: undefined, done: true });
    expect(polled).toEqual(['changed', 'error', 'error', 'error', 'error']);
    await vi.advanceTimersByTimeAsync(5000);
    expect(state.calls).toHaveLength(5);
    registry.close();
  });

  it('reports a resource the vendor no longer has as gone', async () => {
    const registry = createLiveRegistry({ settings: settings(), paused: () => false });
    const { resource, state } = fakeResource();
    state.error = new GatewayError('NOT_FOUND', 'gone', { provider: 'IWERP' });
    const feed = registry.watch(resource, iwerpCredentials('a'));
    expect((await nextOf(feed)).value).toMatchObject({ kind: 'gone' });
    expect((await feed.next()).done).toBe(true);
    registry.close();
  });

  it('counts a Messenger token once, whatever other token comes beside it', () => {
    const registry = createLiveRegistry({ settings: settings({ maxSubscriptionsPerCredential: 2 }), paused: () => false });
    const resource: LiveResource<number> = { ...fakeResource().resource, provider: 'MESSENGER' };
    const messenger = (apiToken: string, personalAccessToken?: string): Credentials => ({ iwerp: null, popsell: null, messenger: { apiToken, personalAccessToken } });
    registry.watch(resource, messenger('same', 'junk 1'));
    registry.watch(resource, messenger('same', 'junk 2'));
    expect(() => registry.watch(resource, messenger('same', 'junk 3'))).toThrow(expect.objectContaining({ code: 'TOO_MANY_SUBSCRIPTIONS', provider: 'MESSENGER' }));
    expect(() => registry.watch(resource, messenger('same'))).toThrow(expect.objectContaining({ code: 'TOO_MANY_SUBSCRIPTIONS' }));
    registry.watch(resource, messenger('another'));
    registry.close();
  });

  it('tells a @live query it is refused before it runs: the gateway full, or every credential it carries', async () => {
    const registry = createLiveRegistry({ settings: settings({ maxSubscriptions: 3, maxSubscriptionsPerCredential: 2 }), paused: () => false });
    const { resource } = fakeResource();
    const both: Credentials = { ...iwerpCredentials('a'), popsell: { authorization: 'Bearer p', brandHeader: undefined } };
    const one = registry.watch(resource, iwerpCredentials('a'));
    registry.watch(resource, iwerpCredentials('a'));
    expect(registry.liveRefusal(iwerpCredentials('a'))).toMatchObject({ code: 'TOO_MANY_SUBSCRIPTIONS', provider: 'IWERP' });
    // Its Popsell credential has room: what the query reads decides.
    expect(registry.liveRefusal(both)).toBeUndefined();
    expect(registry.liveRefusal(iwerpCredentials('b'))).toBeUndefined();
    registry.watch(resource, iwerpCredentials('b'));
    expect(registry.liveRefusal(iwerpCredentials('c'))).toMatchObject({ code: 'TOO_MANY_SUBSCRIPTIONS', message: expect.stringMatching(/gateway/) });
    await one.return();
    expect(registry.liveRefusal(iwerpCredentials('c'))).toBeUndefined();
    registry.close();
  });

  it('holds a place for a watch to come: counted until the watch takes it or it is released, never twice', async () => {
    const registry = createLiveRegistry({ settings: settings({ maxSubscriptions: 3, maxSubscriptionsPerCredential: 2 }), paused: () => false });
    const { resource } = fakeResource();
    const first = registry.reserve('IWERP', iwerpCredentials('a'));
    const second = registry.reserve('IWERP', iwerpCredentials('a'));
    expect(() => registry.reserve('IWERP', iwerpCredentials('a'))).toThrow(expect.objectContaining({ code: 'TOO_MANY_SUBSCRIPTIONS', provider: 'IWERP' }));
    expect(() => registry.watch(resource, iwerpCredentials('a'))).toThrow(expect.objectContaining({ code: 'TOO_MANY_SUBSCRIPTIONS' }));
    // The watch takes the place held: the credential still holds two.
    const feed = registry.watch(resource, iwerpCredentials('a'), { reservation: first });
    first.release();
    expect(() => registry.reserve('IWERP', iwerpCredentials('a'))).toThrow(expect.objectContaining({ code: 'TOO_MANY_SUBSCRIPTIONS' }));
    second.release();
    second.release();
    registry.reserve('IWERP', iwerpCredentials('a'));
    // Three places in all: the gateway is full.
    registry.reserve('IWERP', iwerpCredentials('b'));
    expect(() => registry.reserve('IWERP', iwerpCredentials('c'))).toThrow(expect.objectContaining({ message: expect.stringMatching(/gateway/) }));
    await feed.return();
    registry.reserve('IWERP', iwerpCredentials('c'));
    registry.close();
  });

  it('refuses subscriptions over the limits before any vendor call', async () => {
    const registry = createLiveRegistry({
      settings: settings({ maxSubscriptions: 3, maxSubscriptionsPerCredential: 2 }),
      paused: () => false,
    });
    const { resource, state } = fakeResource();
    const one = registry.watch(resource, iwerpCredentials('a'));
    registry.watch(resource, iwerpCredentials('a'));
    expect(() => registry.watch(fakeResource('room|2').resource, iwerpCredentials('a'))).toThrow(
      expect.objectContaining({ code: 'TOO_MANY_SUBSCRIPTIONS', provider: 'IWERP' }),
    );
    registry.watch(resource, iwerpCredentials('b'));
    expect(() => registry.watch(resource, iwerpCredentials('c'))).toThrow(expect.objectContaining({ code: 'TOO_MANY_SUBSCRIPTIONS' }));
    await one.return();
    registry.watch(resource, iwerpCredentials('c'));
    await settle();
    expect(state.calls.sort()).toEqual(['a', 'b', 'c']);
    registry.close();
  });

  it('close ends every feed and leaves no timer', async () => {
    const registry = createLiveRegistry({ settings: settings(), paused: () => false });
    const feed = registry.watch(fakeResource().resource, iwerpCredentials('a'));
    await nextOf(feed);
    const pending = feed.next();
    registry.close();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('reads through its reader when given one, handing it the state it holds, and has it get ready when a pair is first watched', async () => {
    const { resource, state } = fakeResource();
    const reads: unknown[] = [];
    const reader = {
      warm: vi.fn(),
      read: async <T>(r: LiveResource<T>, credentials: Credentials, signal: AbortSignal, previous: T | undefined) => {
        reads.push(previous);
        return r.fetch(credentials, signal);
      },
      close: vi.fn(async () => undefined),
    };
    const registry = createLiveRegistry({ settings: settings(), paused: () => false, reader });
    const first = registry.watch(resource, iwerpCredentials('a'));
    const second = registry.watch(resource, iwerpCredentials('a'));
    // One pair, readied once, before any poll.
    expect(reader.warm).toHaveBeenCalledTimes(1);
    expect(state.calls).toEqual([]);
    await nextOf(first);
    await vi.advanceTimersByTimeAsync(1000);
    expect(reads).toEqual([undefined, 1]);
    await first.return();
    await second.return();
    await registry.close();
    expect(reader.close).toHaveBeenCalledTimes(1);
  });
});
