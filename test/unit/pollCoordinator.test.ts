import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CoordinatedPair, PollCoordinator } from '../../src/live/coordinator.js';
import { createLiveRegistry, type LiveResource, type LiveSettings, type Snapshot } from '../../src/live/registry.js';
import type { Credentials } from '../../src/upstreams/credentials.js';

const settings: LiveSettings = {
  intervalMs: { IWERP: 1000, POPSELL: 1000, MESSENGER: 1000 },
  maxPollsPerSecond: { IWERP: 1000, POPSELL: 1000, MESSENGER: 1000 },
  maxPollsInFlight: { IWERP: 48, POPSELL: 48, MESSENGER: 48 },
  maxSubscriptions: 1000,
  maxSubscriptionsPerCredential: 1000,
};

const credentials = (sessionToken: string): Credentials => ({
  iwerp: { sessionToken, buildId: undefined, packageId: undefined },
  popsell: null,
  messenger: null,
});

function resource(key: string, calls: string[], value = () => 1): LiveResource<number> {
  return {
    provider: 'IWERP',
    key,
    fetch: async (c) => {
      calls.push(`${key}:${c.iwerp?.sessionToken}`);
      return value();
    },
    same: (a, b) => a === b,
  };
}

/**
 * A coordinator of a cluster where another instance polls every pair: it records what the registry
 * tells it. Its pairs poll here only when a test runs them, and while `here.polls` says so.
 */
function elsewhere() {
  const pairs = new Map<string, CoordinatedPair>();
  const shared: [Snapshot<unknown>, boolean][] = [];
  const here = { polls: true };
  const coordinator: PollCoordinator = {
    add: (pair) => void pairs.set(pair.key, pair),
    remove: (pair) => void pairs.delete(pair.key),
    share: (_, snapshot, changed) => void shared.push([snapshot, changed]),
    touch: () => undefined,
    polls: () => here.polls,
    close: async () => undefined,
  };
  return { coordinator, pairs, shared, here };
}

describe('registry and its coordinator', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('touch polls every scope of the written resource at once, and nothing else', async () => {
    const registry = createLiveRegistry({ settings, paused: () => false });
    const calls: string[] = [];
    const room = resource('room|1', calls);
    registry.watch(room, credentials('a'));
    registry.watch(room, credentials('b'));
    registry.watch(resource('room|2', calls), credentials('a'));
    await vi.advanceTimersByTimeAsync(100);
    calls.length = 0;
    registry.touch('IWERP', 'room|1');
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.sort()).toEqual(['room|1:a', 'room|1:b']);
    await registry.close();
  });

  it('hands subscribers what another instance polled, only when it differs; a 404 there ends the feed here', async () => {
    const { coordinator, pairs } = elsewhere();
    const registry = createLiveRegistry({ settings, paused: () => false, coordinator });
    const calls: string[] = [];
    const feed = registry.watch(resource('room|1', calls), credentials('a'));
    const [pair] = pairs.values();
    const observedAt = new Date();
    pair?.receive({ kind: 'state', value: 1, observedAt });
    expect((await feed.next()).value).toEqual({ kind: 'state', value: 1, observedAt });
    let next: unknown;
    void feed.next().then((r) => (next = r.value));
    pair?.receive({ kind: 'state', value: 1, observedAt: new Date() });
    await vi.advanceTimersByTimeAsync(0);
    expect(next).toBeUndefined();
    pair?.receive({ kind: 'gone', observedAt });
    await vi.advanceTimersByTimeAsync(0);
    expect(next).toEqual({ kind: 'gone', observedAt });
    expect(pairs.size).toBe(0);
    expect(calls).toEqual([]);
    await registry.close();
  });

  it('shares what each poll here found, saying whether it changed', async () => {
    const { coordinator, pairs, shared } = elsewhere();
    const registry = createLiveRegistry({ settings, paused: () => false, coordinator });
    let value = 1;
    registry.watch(resource('room|1', [], () => value), credentials('a'));
    const [pair] = pairs.values();
    await pair?.run();
    await pair?.run();
    value = 2;
    await pair?.run();
    expect(shared.map(([s, changed]) => [s.kind === 'state' ? s.value : s.kind, changed])).toEqual([
      [1, true],
      [1, false],
      [2, true],
    ]);
    await registry.close();
  });

  it('drops a poll that answers after its pair went to another instance: the holder’s states are as new or newer', async () => {
    const { coordinator, pairs, shared, here } = elsewhere();
    const registry = createLiveRegistry({ settings, paused: () => false, coordinator });
    let value = 1;
    const feed = registry.watch(resource('room|1', [], () => value), credentials('a'));
    const [pair] = pairs.values();
    pair?.receive({ kind: 'state', value: 2, observedAt: new Date() });
    expect((await feed.next()).value).toMatchObject({ kind: 'state', value: 2 });
    here.polls = false;
    await pair?.run();
    let next: unknown;
    void feed.next().then((r) => (next = r.value));
    await vi.advanceTimersByTimeAsync(0);
    expect(next).toBeUndefined();
    expect(shared).toEqual([]);
    here.polls = true;
    value = 3;
    await pair?.run();
    await vi.advanceTimersByTimeAsync(0);
    expect(next).toMatchObject({ kind: 'state', value: 3 });
    await registry.close();
  });
});
