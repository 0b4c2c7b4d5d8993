import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import type { CoordinatedPair, Snapshot } from '../../src/live/coordinator.js';
import { createRedisCoordinator, encodeEnvelope } from '../../src/live/redisCoordinator.js';
import { createLiveRegistry } from '../../src/live/registry.js';
import type { Credentials } from '../../src/upstreams/credentials.js';
import { liveSettings } from '../helpers/config.js';
import { useOwnRedis } from '../helpers/ownRedis.js';
import { redisProxy } from '../helpers/redisServer.js';
import { until } from '../helpers/sseEvents.js';

/**
 * A pair's lease changing hands between two instances' registries on one real Redis, at the
 * moments a reviewer found wanting: a poll in flight on the instance losing it, a subscriber
 * leaving during the tick that takes it, a pair started from a state at hand.
 */
const INTERVAL_MS = 1000;
const settings = liveSettings(INTERVAL_MS);
const credentials: Credentials = { iwerp: { sessionToken: 'session-1', buildId: undefined, packageId: undefined }, popsell: null, messenger: null };
const LEASE = 'chat-gateway:live:lease:*';
const INSTANCES = 'chat-gateway:live:instances';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const own = useOwnRedis();
const started: ReturnType<typeof createLiveRegistry>[] = [];
const proxies: Awaited<ReturnType<typeof redisProxy>>[] = [];
afterAll(() => Promise.all(proxies.map((proxy) => proxy.close())));
afterEach(async () => {
  await Promise.all(started.splice(0).map((registry) => registry.close()));
  await own.admin.flushAll();
});

/** The vendor's one room: its name, how often it was read, and a gate that holds reads when shut. */
const vendor = { name: 'v1', reads: 0, gate: undefined as Promise<void> | undefined };

function startInstance(url = own.redis.url) {
  const coordinator = createRedisCoordinator({ url: new URL(url), logger: pino({ level: 'silent' }), settings, paused: () => false });
  const registry = createLiveRegistry({ settings, paused: () => false, coordinator });
  started.push(registry);
  return {
    registry,
    /** Watches the room here (from `known` when given); `heard` fills with the names it is sent. */
    watch(options: { holdsReads?: boolean; known?: string } = {}) {
      const resource = {
        provider: 'IWERP' as const,
        key: 'chatroom|1',
        fetch: async () => {
          vendor.reads += 1;
          const seen = vendor.name;
          if (options.holdsReads) await vendor.gate;
          return seen;
        },
        same: (x: string, y: string) => x === y,
      };
      const heard: string[] = [];
      const feed = registry.watch(resource, credentials, options.known === undefined ? {} : { known: options.known });
      void (async () => {
        for await (const snapshot of feed) if (snapshot.kind === 'state') heard.push(snapshot.value);
      })();
      return { heard, feed };
    },
  };
}

/** Until an instance other than `known` ones beats in the instances hash: its id. */
async function nextInstanceId(known: (string | null)[]) {
  let id: string | undefined;
  for (const start = Date.now(); !id; await sleep(20)) {
    id = (await own.admin.hKeys(INSTANCES)).find((field) => !known.includes(field));
    if (Date.now() - start > 5000) throw new Error('no new instance beat');
  }
  return id;
}

describe('a lease changing hands', () => {
  it('while the instance losing it has a poll in flight: that poll’s older state does not replace the new holder’s', async () => {
    vendor.name = 'v1';
    const b = startInstance();
    const bId = await nextInstanceId([]);
    let open!: () => void;
    vendor.gate = undefined;
    const onB = b.watch({ holdsReads: true });
    await until(() => onB.heard.length === 1, 3000, 'b’s first state');
    const [leaseKey] = await own.admin.keys(LEASE);
    expect(await own.admin.get(leaseKey!)).toBe(bId);
    const a = startInstance();
    const aId = await nextInstanceId([bId]);
    const onA = a.watch();
    await until(() => onA.heard.length === 1, 3000, 'a’s first state');
    // b's next poll reads v1 and answers late (a slow vendor, a busy event loop)…
    vendor.gate = new Promise((resolve) => (open = resolve));
    const reads = vendor.reads;
    await until(() => vendor.reads > reads, 3 * INTERVAL_MS, 'b polls');
    vendor.name = 'v2';
    // …while its lease lapses (it missed its renewals) and a takes it, polls v2 and shares it.
    await own.admin.set(leaseKey!, aId, { PX: 750 });
    await until(() => onA.heard.length === 2 && onB.heard.length === 2, 3 * INTERVAL_MS, 'v2 polled by a, heard on b');
    open();
    vendor.gate = undefined;
    await sleep(2 * INTERVAL_MS);
    expect(onA.heard).toEqual(['v1', 'v2']);
    expect(onB.heard).toEqual(['v1', 'v2']);
  });

  /**
   * b holds the lease of a room and polls it after a write; its vendor answers late, with `late`,
   * while another instance takes the lease over and shares v2, which b's subscriber hears. Ticks a
   * quarter of 5 s apart: all this falls between two of b's. Returns what that subscriber heard.
   */
  async function handOverDuringPoll(late: (seen: string) => string) {
    const slow = { ...settings, intervalMs: { IWERP: 5000, POPSELL: 5000, MESSENGER: 5000 } };
    const coordinator = createRedisCoordinator({ url: new URL(own.redis.url), logger: pino({ level: 'silent' }), settings: slow, paused: () => false });
    const b = createLiveRegistry({ settings: slow, paused: () => false, coordinator });
    started.push(b);
    let gate: Promise<void> | undefined;
    let reads = 0;
    vendor.name = 'v1';
    const resource = {
      provider: 'IWERP' as const,
      key: 'chatroom|77',
      fetch: async () => {
        reads += 1;
        const seen = vendor.name;
        if (!gate) return seen;
        await gate;
        return late(seen);
      },
      same: (x: string, y: string) => x === y,
    };
    const heard: string[] = [];
    void (async () => {
      for await (const snapshot of b.watch(resource, credentials)) heard.push(snapshot.kind === 'state' ? snapshot.value : snapshot.kind);
    })();
    await until(() => heard.length === 1, 3000, 'the first state');
    const [leaseKey] = await own.admin.keys(LEASE);
    const pairKey = leaseKey!.slice('chat-gateway:live:lease:'.length);
    // Right after a renewal, so that b's next tick is over a second away.
    for (let last = await own.admin.pTTL(leaseKey!), start = Date.now(); ; await sleep(5)) {
      const now = await own.admin.pTTL(leaseKey!);
      if (now > last) break;
      last = now;
      if (Date.now() - start > 3000) throw new Error('the lease was never renewed');
    }
    let open!: () => void;
    gate = new Promise((resolve) => (open = resolve));
    b.touch('IWERP', resource.key);
    await until(() => reads === 2, 1000, 'b polls');
    vendor.name = 'v2';
    const envelope = encodeEnvelope({ from: 'another-instance', snapshot: { kind: 'state', value: 'v2', observedAt: new Date() } });
    await own.admin.set(leaseKey!, 'another-instance', { PX: 3750 });
    await own.admin.set(`chat-gateway:live:state:${pairKey}`, envelope, { PX: 10_000 });
    await own.admin.publish(`chat-gateway:live:changed:${pairKey}`, envelope);
    await until(() => heard.length === 2, 1000, 'the new holder’s state');
    open();
    await sleep(500);
    return heard;
  }

  it('heard by the instance losing it from the new holder’s state, before its next tick: its poll in flight is dropped, not sent after that state (a reviewer’s finding)', async () => {
    expect(await handOverDuringPoll((seen) => seen)).toEqual(['v1', 'v2']);
  });

  it('so heard, while its poll in flight fails for good (a 404): that failure is dropped too, the room is not ended', async () => {
    const late = () => {
      throw new GatewayError('NOT_FOUND', 'no such room', { provider: 'IWERP' });
    };
    expect(await handOverDuringPoll(late)).toEqual(['v1', 'v2']);
  });

  /** b holds a room's lease and hears, between two ticks, a share a former holder published before b took it. */
  async function holderHearingLateShare() {
    const slow = { ...settings, intervalMs: { IWERP: 5000, POPSELL: 5000, MESSENGER: 5000 } };
    const coordinator = createRedisCoordinator({ url: new URL(own.redis.url), logger: pino({ level: 'silent' }), settings: slow, paused: () => false });
    const b = createLiveRegistry({ settings: slow, paused: () => false, coordinator });
    started.push(b);
    const reads = { count: 0 };
    const fetch = async () => {
      reads.count += 1;
      return 'v1';
    };
    const feed = b.watch({ provider: 'IWERP' as const, key: 'chatroom|88', fetch, same: (x: string, y: string) => x === y }, credentials);
    await feed.next();
    const [leaseKey] = await own.admin.keys(LEASE);
    const holder = await own.admin.get(leaseKey!);
    // Right after a renewal: b's next tick is over a second away.
    for (let last = await own.admin.pTTL(leaseKey!), start = Date.now(); ; await sleep(5)) {
      const now = await own.admin.pTTL(leaseKey!);
      if (now > last) break;
      last = now;
      if (Date.now() - start > 3000) throw new Error('the lease was never renewed');
    }
    const pairKey = leaseKey!.slice('chat-gateway:live:lease:'.length);
    await own.admin.publish(`chat-gateway:live:changed:${pairKey}`, encodeEnvelope({ from: 'former-holder', snapshot: { kind: 'state', value: 'v1', observedAt: new Date() } }));
    await sleep(50);
    expect(await own.admin.get(leaseKey!)).toBe(holder);
    return { b, feed, leaseKey: leaseKey!, reads };
  }

  it('held still by an instance that heard a former holder’s late share: it polls again from its next tick', async () => {
    const { reads } = await holderHearingLateShare();
    const before = reads.count;
    // The next tick is at most a quarter interval (1,250 ms) away; the poll it starts comes at once.
    await until(() => reads.count > before, 4000, 'a poll after the next tick');
  });

  it('held still by an instance that heard a former holder’s late share: its last subscriber leaving hands it back at once (a reviewer’s pass)', async () => {
    const { feed, leaseKey } = await holderHearingLateShare();
    await feed.return();
    await sleep(300);
    expect(await own.admin.get(leaseKey)).toBeNull();
  });

  it('held still by an instance that heard a former holder’s late share: its shutdown hands it back at once', async () => {
    const { b, leaseKey } = await holderHearingLateShare();
    await b.close();
    started.splice(started.indexOf(b), 1);
    expect(await own.admin.get(leaseKey)).toBeNull();
  });

  it('before the instance losing it heard so: what it shares then is refused, and it reads the holder’s state back', async () => {
    // Its ticks (a quarter interval) are far apart here: the share below comes before the next.
    const slow = { ...settings, intervalMs: { IWERP: 20_000, POPSELL: 20_000, MESSENGER: 20_000 } };
    const coordinator = createRedisCoordinator({ url: new URL(own.redis.url), logger: pino({ level: 'silent' }), settings: slow, paused: () => false });
    const received: Snapshot<unknown>[] = [];
    const pair: CoordinatedPair = {
      provider: 'IWERP',
      key: 'scope-1|chatroom|9',
      resource: 'IWERP|chatroom|9',
      latest: undefined,
      run: async () => undefined,
      receive: (snapshot) => void received.push(snapshot),
      touched: () => undefined,
    };
    try {
      coordinator.add(pair, 0);
      await until(() => coordinator.polls(pair), 3000, 'the lease taken');
      const leaseKey = 'chat-gateway:live:lease:scope-1|chatroom|9';
      const observedAt = new Date();
      await own.admin.set(leaseKey, 'another-instance', { PX: 15_000 });
      await own.admin.set('chat-gateway:live:state:scope-1|chatroom|9', encodeEnvelope({ from: 'another-instance', snapshot: { kind: 'state', value: 'v2', observedAt } }));
      // This instance's poll, late, found v1.
      coordinator.share(pair, { kind: 'state', value: 'v1', observedAt: new Date(0) }, true);
      await until(() => received.length === 1, 2000, 'the holder’s state read back');
      expect(received).toEqual([{ kind: 'state', value: 'v2', observedAt }]);
      expect(coordinator.polls(pair)).toBe(false);
    } finally {
      await coordinator.close();
    }
  });

  it('by a tick during which the pair’s last subscriber leaves: it is handed back at once', async () => {
    vendor.name = 'v1';
    const a = startInstance();
    const aId = await nextInstanceId([]);
    // b's Redis answers 120 ms late (under the budget): its tick is still running when its subscriber leaves.
    const proxy = await redisProxy(own.redis.url);
    proxies.push(proxy);
    proxy.answers.delayMs = 120;
    const b = startInstance(proxy.url);
    const bId = await nextInstanceId([aId]);
    const onA = a.watch();
    await until(() => onA.heard.length === 1, 3000, 'a’s first state');
    const [leaseKey] = await own.admin.keys(LEASE);
    const onB = b.watch();
    await until(() => onB.heard.length === 1, 5000, 'b’s first state');
    // a goes (its close hands its lease back); b's next tick takes it.
    await a.registry.close();
    for (const start = Date.now(); (await own.admin.get(leaseKey!)) !== bId; await sleep(2)) {
      if (Date.now() - start > 5000) throw new Error('b never took the lease');
    }
    await onB.feed.return();
    await sleep(400);
    expect(await own.admin.get(leaseKey!)).toBeNull();
  });

  it('to a pair started from a state at hand (a @live query’s read): another instance joining it gets that state without waiting for a poll', async () => {
    vendor.name = 'v1';
    const a = startInstance();
    const b = startInstance();
    await nextInstanceId([await nextInstanceId([])]);
    const reads = vendor.reads;
    const onA = a.watch({ known: 'v1' });
    await until(() => onA.heard.length === 1, 1000, 'a’s state at hand');
    await sleep(300);
    const onB = b.watch();
    await until(() => onB.heard.length === 1, 3 * INTERVAL_MS, 'b’s first state');
    expect(onB.heard).toEqual(['v1']);
    // Heard before a's first poll, an interval after the state at hand, and with no poll of b's.
    expect(vendor.reads).toBe(reads);
  });

  it('all handed back when 600 pairs lose their last subscriber at once, without taking Redis for away', async () => {
    // An attacker's pass closed 600 subscriptions at once: their releases and unsubscribes overflowed
    // the connection's queue of 512 commands, a "queue is full" that the instance took for Redis
    // away, handing every lease back and polling alone.
    const lines: string[] = [];
    const many = { ...settings, maxSubscriptions: 1000, maxSubscriptionsPerCredential: 1000 };
    const coordinator = createRedisCoordinator({ url: new URL(own.redis.url), logger: pino({ level: 'info' }, { write: (line: string) => void lines.push(line) }), settings: many, paused: () => false });
    const registry = createLiveRegistry({ settings: many, paused: () => false, coordinator });
    started.push(registry);
    await nextInstanceId([]);
    const feeds = Array.from({ length: 600 }, (_, n) =>
      registry.watch({ provider: 'IWERP' as const, key: `chatroom|${1000 + n}`, fetch: async () => 'v1', same: (x: string, y: string) => x === y }, credentials),
    );
    await Promise.all(feeds.map((feed) => feed.next()));
    for (const start = Date.now(); (await own.admin.keys(LEASE)).length < 600; await sleep(50)) {
      if (Date.now() - start > 5000) throw new Error('the leases were never all taken');
    }
    await Promise.all(feeds.map((feed) => feed.return()));
    for (const start = Date.now(); (await own.admin.keys(LEASE)).length > 0; await sleep(50)) {
      if (Date.now() - start > 5000) throw new Error(`${(await own.admin.keys(LEASE)).length} leases never handed back`);
    }
    expect(lines.filter((line) => line.includes('Redis away'))).toEqual([]);
    const channels = (await own.admin.sendCommand(['PUBSUB', 'CHANNELS', 'chat-gateway:live:changed:*'])) as string[];
    expect(channels).toEqual([]);
  });

  it('after a write through an instance that does not poll the pair, that instance peeks again an interval later, though the holder found no change to share', async () => {
    // A reviewer's finding: the touched pair stayed unpeekable there until the room next changed,
    // every @live run of it reading the vendor meanwhile, outside the poll budget.
    vendor.name = 'v1';
    const a = startInstance();
    const aId = await nextInstanceId([]);
    const b = startInstance();
    await nextInstanceId([aId]);
    const onA = a.watch();
    await until(() => onA.heard.length === 1, 3000, 'a’s first state');
    const onB = b.watch();
    await until(() => onB.heard.length === 1, 3000, 'b’s first state');
    const resource = { provider: 'IWERP' as const, key: 'chatroom|1', fetch: async () => vendor.name, same: (x: string, y: string) => x === y };
    expect(b.registry.peek(resource, credentials)).toBe('v1');
    const reads = vendor.reads;
    b.registry.touch('IWERP', 'chatroom|1');
    expect(b.registry.peek(resource, credentials)).toBeUndefined();
    await until(() => vendor.reads > reads, 3000, 'the holder’s re-poll');
    await sleep(INTERVAL_MS + 100);
    expect(b.registry.peek(resource, credentials)).toBe('v1');
    // A write through the holder reaches b too (its touch is published): b peeks again an interval later.
    a.registry.touch('IWERP', 'chatroom|1');
    await vi.waitFor(() => expect(b.registry.peek(resource, credentials)).toBeUndefined(), { timeout: 1000, interval: 10 });
    await sleep(INTERVAL_MS + 100);
    expect(b.registry.peek(resource, credentials)).toBe('v1');
  });
});
