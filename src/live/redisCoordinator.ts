/**
 * Real time across instances (REDIS_URL): each watched (resource, credential scope) pair is polled
 * by one instance of the cluster at a time, the holder of its lease, and what it finds reaches
 * every instance whose subscribers watch the pair, which diff and deliver locally.
 *
 * - Lease: `chat-gateway:live:lease:<pair>` holds the instance's id, set NX with an expiry of 3/4
 *   interval and renewed every quarter interval by the holder (Lua scripts: only the holder renews
 *   or releases), so it lapses only after three missed renewals. Every instance tries to take the
 *   lease of each pair it watches at each tick: when the holder dies (or loses Redis) another takes
 *   over within one interval (the lease time and one tick) and polls at once, so the pair's polls
 *   resume within two intervals of the last one. A holder whose last subscriber leaves releases it.
 * - Results: the holder stores each poll's state under `chat-gateway:live:state:<pair>` (a late
 *   joiner's first state, with no poll of its own; kept two intervals past the holder's last
 *   renewal) and publishes it on `chat-gateway:live:changed:
 *   <pair>`, in one script that checks the lease first, so an instance that lost it publishes
 *   nothing. The pair is named by the credential scope, a hash: the credential never enters Redis,
 *   only what the read cache already stores (vendor data, mapped).
 * - Budget: *_LIVE_MAX_POLLS_PER_SECOND is the vendor's total. Each instance writes how many pairs
 *   of each vendor it holds into `chat-gateway:live:instances` at each tick and polls with the
 *   vendor's budget times its share of those pairs: the shares add up to the budget, no poll waits
 *   for Redis, and when there are more pairs than the budget allows every pair of the cluster
 *   stretches alike but for rounding (each lane rounds a share of one poll a second or more down
 *   to whole polls, scheduler.ts; an even split per instance would starve the instance that holds
 *   more pairs).
 * - Writes: touch publishes on `chat-gateway:live:touched`; the holders of the resource poll it now.
 * - Redis away (a command failing, two ticks in a row answered past the budget, or the
 *   subscriber connection down): each instance polls every pair it watches for itself, with the
 *   budget divided by the instance count it last saw; one warning says so, and when Redis answers
 *   again the leases decide once more.
 * - Joins: a pair's first subscriber here has its channel listened to, then its lease taken or its
 *   holder's state read; the pairs added in one turn of the event loop join together (lease scripts
 *   of many pairs, one MGET), since a thousand clients subscribing at once would otherwise queue a
 *   thousand scripts and reads on one connection, past the command budget. Whatever of that Redis
 *   did not do (a join while it was away, a state published while the listening connection was
 *   down) is done by the next tick that finds Redis back, before it says so: every pair watched
 *   here then listens and has read its holder's state.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { GatewayError, type ErrorCode } from '../errors.js';
import { REDIS_MAX_QUEUED, RedisLate, connectRedis, settled, withinBudget } from '../http/redisConnection.js';
import { PROVIDERS, type Provider } from '../model/provider.js';
import {
  createLocalCoordinator,
  type CoordinatedPair,
  type LocalCoordinatorOptions,
  type PollCoordinator,
  type Snapshot,
} from './coordinator.js';

/** What createRedisCoordinator needs besides the local coordinator's options; it is created only when REDIS_URL is set, so nothing has a default. */
export interface RedisCoordinatorOptions extends LocalCoordinatorOptions {
  /** The registry's settings, LIVE_MAX_SUBSCRIPTIONS among them. */
  settings: LocalCoordinatorOptions['settings'] & { maxSubscriptions: number };
  /** REDIS_URL. */
  url: URL;
  /** Where the one warning goes when Redis goes away, and the note when it is back. */
  logger: Logger;
}

const PREFIX = 'chat-gateway:live:';
const TOUCHED = `${PREFIX}touched`;
const INSTANCES = `${PREFIX}instances`;
/** Pairs per lease script: a script blocks Redis while it runs, so a big instance renews in slices. */
const LEASES_PER_SCRIPT = 500;

/** KEYS: lease and state of each pair; ARGV: the instance, then each pair's lease and state times. 1: held. */
const LEASES = `
local held = {}
for i = 1, #KEYS, 2 do
  local ttl = ARGV[i + 1]
  local owner = redis.call('GET', KEYS[i])
  if owner == ARGV[1] then
    redis.call('PEXPIRE', KEYS[i], ttl)
    redis.call('PEXPIRE', KEYS[i + 1], ARGV[i + 2])
    held[#held + 1] = 1
  elseif not owner then
    redis.call('SET', KEYS[i], ARGV[1], 'PX', ttl)
    held[#held + 1] = 1
  else
    held[#held + 1] = 0
  end
end
return held`;

/** KEYS: lease, state; ARGV: instance, channel, payload, state time. Stores and publishes only for the holder. */
const SHARE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1`;

/** KEYS: leases; ARGV: instance. Deletes the ones it holds. */
const RELEASE = `
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('DEL', KEYS[i]) end
end
return 0`;

/**
 * KEYS: the instances hash; ARGV: instance, expiry (ms), pairs held per vendor (IWERP, POPSELL,
 * MESSENGER). Records this instance (Redis's clock, so instances' clocks do not matter), drops the
 * ones whose heartbeat expired, returns the instance count and the pairs held per vendor.
 */
const HEARTBEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], ARGV[1], (now + tonumber(ARGV[2])) .. ',' .. ARGV[3] .. ',' .. ARGV[4] .. ',' .. ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
local totals = {0, 0, 0, 0}
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local expiry, a, b, c = string.match(all[i + 1], '(%d+),(%d+),(%d+),(%d+)')
  if tonumber(expiry) < now then
    redis.call('HDEL', KEYS[1], all[i])
  else
    totals[1] = totals[1] + 1
    totals[2] = totals[2] + tonumber(a)
    totals[3] = totals[3] + tonumber(b)
    totals[4] = totals[4] + tonumber(c)
  end
end
return totals`;

/** What travels through Redis: who polled, and what. */
interface Envelope {
  from: string;
  snapshot: Snapshot<unknown>;
}

/** Model objects hold Dates; JSON would hand them back as strings, so they travel tagged. */
export function encodeEnvelope(envelope: Envelope): string {
  const { snapshot } = envelope;
  const plain =
    snapshot.kind === 'failed'
      ? { ...envelope, snapshot: { ...snapshot, error: { code: snapshot.error.code, message: snapshot.error.message, provider: snapshot.error.provider } } }
      : envelope;
  return JSON.stringify(plain, function (this: Record<string, unknown>, key, value: unknown) {
    const raw = this[key];
    return raw instanceof Date ? { $date: raw.toISOString() } : value;
  });
}

export function decodeEnvelope(text: string): Envelope {
  const envelope = JSON.parse(text, (_, value: unknown) => {
    if (value && typeof value === 'object' && '$date' in value && typeof value.$date === 'string') return new Date(value.$date);
    return value;
  }) as Envelope;
  const { snapshot } = envelope;
  if (snapshot.kind !== 'failed') return envelope;
  const { code, message, provider } = snapshot.error as unknown as { code: ErrorCode; message: string; provider?: Provider };
  return { ...envelope, snapshot: { ...snapshot, error: new GatewayError(code, message, provider ? { provider } : {}) } };
}

/**
 * This instance's share of a vendor's budget: in proportion to the pairs it holds, or, while it
 * holds none, an even split (its first poll after taking a lease then waits no longer than any).
 */
export function budgetShare(maxPollsPerSecond: number, held: number, totalHeld: number, instances: number): number {
  if (held > 0 && totalHeld >= held) return (maxPollsPerSecond * held) / totalHeld;
  return maxPollsPerSecond / Math.max(1, instances);
}

interface Entry {
  pair: CoordinatedPair;
  /** Its first poll's delay here (a state already at hand waits an interval); later takeovers poll at once. */
  delayMs: number;
  held: boolean;
  /** Taken since its last poll here: that poll is shared even when it finds no change (a late joiner's first state). */
  fresh: boolean;
  /** In the local lane: held, or Redis away. */
  polling: boolean;
  /** Its channel is listened to (the client listens again by itself whenever it reconnects). */
  subscribed: boolean;
  /** Its holder's state may hold what its subscribers here have not heard: read it at the next chance. */
  unread: boolean;
  /** A join or a tick has assigned it (taken its lease, or left it to its holder) at least once. */
  joined: boolean;
  listener: (message: string) => void;
}

export function createRedisCoordinator(options: RedisCoordinatorOptions): PollCoordinator {
  const { settings, logger } = options;
  const me = randomUUID();
  const local = createLocalCoordinator(options);
  const entries = new Map<string, Entry>();
  /** Still watched here: its last subscriber did not leave (and come back as a new entry) meanwhile. */
  const watched = (entry: Entry) => entries.get(entry.pair.key) === entry;
  const intervals = PROVIDERS.map((provider) => settings.intervalMs[provider]);
  const tickMs = Math.min(...intervals) / 4;
  const leaseMs = (provider: Provider) => Math.round(settings.intervalMs[provider] * 0.75);
  /** A state outlives its holder by a little: a joiner or a reconnected listener still finds it while another takes over. */
  const stateMs = (provider: Provider) => settings.intervalMs[provider] * 2;
  const heartbeatMs = Math.round(Math.max(...intervals) * 0.75);
  // Its commands come with pairs, not requests: as many pairs may lose their last subscriber at
  // once as the instance holds subscriptions, each a release and an unsubscribe (an attacker's
  // pass closed 600 at once: a full queue of 512, taken for Redis away, gave up every lease).
  const connection = connectRedis(options.url, logger, 'Redis connection for live polls failed', {
    name: `chat-gateway:live:${me}`,
    maxQueued: Math.max(REDIS_MAX_QUEUED, 2 * settings.maxSubscriptions),
  });
  let coordinated = true;
  let instances = 1;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  const leaseKey = (pair: CoordinatedPair) => `${PREFIX}lease:${pair.key}`;
  const stateKey = (pair: CoordinatedPair) => `${PREFIX}state:${pair.key}`;
  const channel = (pair: CoordinatedPair) => `${PREFIX}changed:${pair.key}`;

  /**
   * The connection that listens (a subscribed connection sends no other command), settled like the
   * command connection: once ready, failed, or after the budget. Its channels are subscribed again
   * by the client whenever it reconnects.
   */
  const subscriber = connection.connected.then((client) => {
    const duplicate = client.duplicate({ name: `chat-gateway:live-listen:${me}` });
    duplicate.on('error', connection.degraded);
    let connections = 0;
    // Pub/sub delivers at most once: what was published while the connection was down is read
    // back from the states, once the client has subscribed its channels again (before it says ready).
    duplicate.on('ready', () => {
      connections += 1;
      if (connections > 1) void catchUp();
    });
    duplicate.connect().catch(connection.degraded);
    duplicate
      .subscribe(TOUCHED, (message) => {
        const touched = parse(() => JSON.parse(message) as { from: string; resource: string });
        if (touched && touched.from !== me) touchHere(touched.resource);
      })
      .catch(connection.degraded);
    return settled(duplicate);
  });
  /** Both connections, once up or given up on. */
  const ready = async () => ({ client: await connection.connected, sub: await subscriber });

  function startPolling(entry: Entry, delayMs: number) {
    if (entry.polling || closed) return;
    entry.polling = true;
    local.add(entry.pair, delayMs);
  }

  function stopPolling(entry: Entry) {
    if (!entry.polling) return;
    entry.polling = false;
    local.remove(entry.pair);
  }

  /** A message on our channels that is not ours to read (another program's) is dropped, not thrown at the client's listener. */
  function parse<T>(read: () => T): T | undefined {
    try {
      return read();
    } catch (error) {
      logger.debug({ err: String(error) }, 'Dropped a live message that does not parse');
      return undefined;
    }
  }

  function receive(entry: Entry, message: string) {
    if (!watched(entry)) return;
    const envelope = parse(() => decodeEnvelope(message));
    if (!envelope || envelope.from === me) return;
    // Only a holder's share is published (SHARE): another instance most likely holds the lease
    // now. Polling stops here before its state is taken, so a poll in flight here is dropped when
    // it answers rather than sent after this newer state (a reviewer's pass: subscribers went back
    // to the older state until the refused share read this one back). The lease is not taken for
    // lost: a share from a former holder may arrive after this instance took the lease, which a
    // last subscriber leaving or a shutdown must still hand back at once (a reviewer's pass). The
    // next tick says who holds it, and polls here again if this instance does.
    if (coordinated && entry.polling) stopPolling(entry);
    entry.pair.receive(envelope.snapshot);
  }

  function setBudgets(held: Record<Provider, number>, totals: Record<Provider, number>) {
    for (const provider of PROVIDERS) {
      local.setBudget(provider, budgetShare(settings.maxPollsPerSecond[provider], held[provider], totals[provider], instances));
    }
  }

  /** The command that hands back these entries' leases (RELEASE deletes only those this instance holds). */
  const release = (list: Entry[]) => (client: Awaited<typeof connection.connected>) =>
    client.eval(RELEASE, { keys: list.map((entry) => leaseKey(entry.pair)), arguments: [me] });

  /**
   * Redis away: every pair watched here is polled here. The leases held here are handed back, and
   * no tick takes or renews one until Redis is back: the lease scripts of an instance that reads
   * its answers late still run in Redis, and one polling alone (sharing nothing) would otherwise
   * keep the other instances' subscribers of its pairs from hearing anything.
   */
  function degrade(error: unknown) {
    if (closed) return;
    if (coordinated) logger.warn({ err: String(error) }, 'Redis away: live polls are not shared; each instance polls what its subscribers watch');
    coordinated = false;
    const held = [...entries.values()].filter((entry) => entry.held);
    if (held.length) void run(release(held));
    for (const entry of entries.values()) {
      // A lease held before is taken afresh: its first poll then tells the others what this instance saw meanwhile.
      entry.held = false;
      // An interval on: the holder polled within the last one, and a blip mended at the next tick polls nothing more.
      startPolling(entry, settings.intervalMs[entry.pair.provider]);
    }
    const none = { IWERP: 0, POPSELL: 0, MESSENGER: 0 };
    setBudgets(none, none);
  }

  /** Takes or renews the lease of each entry: true for each it holds. */
  async function leases(list: Entry[]): Promise<boolean[]> {
    const { client } = await ready();
    const slices = [];
    for (let at = 0; at < list.length; at += LEASES_PER_SCRIPT) {
      const slice = list.slice(at, at + LEASES_PER_SCRIPT);
      slices.push(
        withinBudget(
          client.eval(LEASES, {
            keys: slice.flatMap((entry) => [leaseKey(entry.pair), stateKey(entry.pair)]),
            arguments: [me, ...slice.flatMap((entry) => [String(leaseMs(entry.pair.provider)), String(stateMs(entry.pair.provider))])],
          }),
        ),
      );
    }
    return ((await Promise.all(slices)) as number[][]).flat().map((held) => held === 1);
  }

  /** Applies what the lease script said: the holder polls; the others stop and listen. */
  function assign(entry: Entry, held: boolean) {
    if (!watched(entry)) return;
    entry.joined = true;
    const taken = held && !entry.held;
    if (taken) entry.fresh = true;
    entry.held = held;
    // A state at hand (a @live query's read) is the pair's until its first poll here, an interval
    // on: shared now, so that a subscriber joining on another instance is not left waiting for it.
    if (taken && entry.delayMs > 0 && entry.pair.latest) publish(entry, entry.pair.latest);
    // The holder's own first poll here comes at once (or once the state at hand has aged).
    if (held) entry.unread = false;
    if (held) startPolling(entry, entry.delayMs);
    else stopPolling(entry);
    // Only the first poll of the pair here waits for a state at hand to age; a takeover polls at once.
    entry.delayMs = 0;
  }

  /** Listens to the channels of the entries not listened to yet. */
  async function subscribe(list: Entry[]) {
    const pending = list.filter((entry) => !entry.subscribed);
    if (!pending.length) return;
    const { sub } = await ready();
    if (!sub.isReady) throw new Error('The Redis subscriber connection is down');
    await Promise.all(
      pending.map(async (entry) => {
        // The client keeps one listener per channel once: subscribing again after a subscribe that
        // answered past the budget changes nothing.
        await withinBudget(sub.subscribe(channel(entry.pair), entry.listener));
        if (watched(entry)) entry.subscribed = true;
        // Its last subscriber left meanwhile: remove's unsubscribe may have gone before this subscribe.
        else await withinBudget(sub.unsubscribe(channel(entry.pair), entry.listener));
      }),
    );
  }

  /** The holders' last states of the entries listed that are unread (read, not yet delivered). */
  async function unreadStates(list: Entry[]) {
    const unread = list.filter((entry) => entry.unread);
    if (!unread.length) return [];
    const { client } = await ready();
    const states = await withinBudget(client.mGet(unread.map((entry) => stateKey(entry.pair))));
    return unread.map((entry, index) => ({ entry, state: states[index] ?? null }));
  }

  /** Hands the states read to the subscribers here, unless this instance now polls the pair itself. */
  function deliver(read: { entry: Entry; state: string | null }[]) {
    for (const { entry, state } of read) {
      if (entry.held) continue;
      entry.unread = false;
      if (state) receive(entry, state);
    }
  }

  /**
   * The entries whose leases were just taken here though their last subscriber left meanwhile:
   * remove could not hand those back yet. A pair watched again since (a new entry) keeps its lease.
   */
  const abandoned = (list: Entry[], heldFlags: boolean[]) =>
    list.filter((entry, index) => heldFlags[index] && !watched(entry) && !entries.has(entry.pair.key));

  /** Pairs added this turn of the event loop, joined together at its end. */
  let joining: Entry[] = [];
  function queueJoin(entry: Entry) {
    if (joining.push(entry) === 1) {
      setImmediate(() => {
        const list = joining;
        joining = [];
        void join(list);
      });
    }
  }

  /** Pairs whose first subscriber came here: listen to their channels, then take their leases or read their states. */
  async function join(list: Entry[]) {
    try {
      await subscribe(list);
      // Polling alone: the tick that finds Redis back assigns the leases and reads the states.
      if (!coordinated) return;
      const heldFlags = await leases(list);
      const gone = abandoned(list, heldFlags);
      if (gone.length) {
        await withinBudget(connection.connected.then(release(gone)));
      }
      // Redis went away meanwhile: the tick that finds it back assigns the leases and reads the states.
      if (!coordinated) return;
      list.forEach((entry, index) => {
        if (watched(entry)) assign(entry, heldFlags[index] ?? false);
      });
      deliver(await unreadStates(list.filter(watched)));
    } catch (error) {
      // Answered late (a loaded instance reads its answers late too): the next tick does what this
      // join did not (channels, leases, states), a quarter interval and a budget later at most
      // unless that tick is late too.
      if (error instanceof RedisLate) return;
      if (list.some(watched)) degrade(error);
    }
  }

  /**
   * The listening connection is back: what the holders published meanwhile is in their states,
   * read now, or by the tick that finds Redis back.
   */
  async function catchUp() {
    const listening = [...entries.values()].filter((entry) => !entry.held);
    for (const entry of listening) entry.unread = true;
    if (!coordinated || closed) return;
    try {
      deliver(await unreadStates(listening));
    } catch (error) {
      // Answered late: the next tick reads what is still unread.
      if (!(error instanceof RedisLate)) degrade(error);
    }
  }

  /** Ticks in a row whose commands Redis answered past the budget. */
  let lateTicks = 0;
  async function tick() {
    timer = undefined;
    try {
      const { client, sub } = await ready();
      if (!sub.isReady) throw new Error('The Redis subscriber connection is down');
      const list = [...entries.values()];
      // Polling alone takes or renews no lease (degrade); the first tick that finds Redis back
      // leaves every pair to its holder, and the next one takes those nobody holds.
      const heldFlags = coordinated ? await leases(list) : list.map(() => false);
      const held = { IWERP: 0, POPSELL: 0, MESSENGER: 0 };
      list.forEach((entry, index) => {
        if (heldFlags[index] && watched(entry)) held[entry.pair.provider] += 1;
      });
      const [count = 1, ...perVendor] = (await withinBudget(
        client.eval(HEARTBEAT, { keys: [INSTANCES], arguments: [me, String(heartbeatMs), ...PROVIDERS.map((p) => String(held[p]))] }),
      )) as number[];
      // What the joins (or the listening connection's return) left undone, before Redis counts as back.
      await subscribe(list);
      const read = await unreadStates(list.filter((_, index) => !heldFlags[index]));
      if (closed) return;
      instances = count;
      const wasCoordinated = coordinated;
      coordinated = true;
      list.forEach((entry, index) => assign(entry, heldFlags[index] ?? false));
      const gone = abandoned(list, heldFlags);
      if (gone.length) void run(release(gone));
      setBudgets(held, Object.fromEntries(PROVIDERS.map((p, i) => [p, perVendor[i] ?? 0])) as Record<Provider, number>);
      deliver(read);
      // Each instance polled for itself meanwhile: its subscribers are as current as the holder's
      // first poll from now on, which it shares whatever it finds.
      if (!wasCoordinated) logger.info('Redis back: live polls are shared by the instances again');
      lateTicks = 0;
    } catch (error) {
      // One tick answered late is no sign that Redis is away; two in a row are. A lease lasts three
      // ticks: a renewal Redis ran and answered late loses none, and one it never ran (at the
      // shortest intervals) costs at worst a moment when another instance polls the pair too.
      if (error instanceof RedisLate && (lateTicks += 1) < 2) return;
      degrade(error);
    } finally {
      if (!closed) timer = setTimeout(() => void tick(), tickMs);
    }
  }

  timer = setTimeout(() => void tick(), tickMs);

  /** A write touched this resource: the pairs polled here hear so from the local lane, which polls them at once; the others, listened to, here. */
  function touchHere(resource: string) {
    for (const entry of entries.values()) if (entry.pair.resource === resource && !entry.polling) entry.pair.touched();
    local.touch(resource);
  }

  /** Stores the holder's snapshot of a pair and tells the other instances' listeners. */
  function publish(entry: Entry, snapshot: Snapshot<unknown>) {
    const { pair } = entry;
    entry.fresh = false;
    const message = encodeEnvelope({ from: me, snapshot });
    void run(async (client) => {
      const held = await client.eval(SHARE, {
        keys: [leaseKey(pair), stateKey(pair)],
        arguments: [me, channel(pair), message, String(stateMs(pair.provider))],
      });
      if (held !== 0 || !coordinated || !watched(entry)) return;
      // Another instance took the lease (this one missed its renewals): it polls now, and what
      // this one polled last may be older than what it shared: its state is read back.
      assign(entry, false);
      entry.unread = true;
      deliver(await unreadStates([entry]));
    });
  }

  /**
   * A write nothing waits for (a share, a release, a touch). One that fails means Redis is away;
   * one answered late does not: the three-instance benchmark's instances, busy with a burst of
   * subscriptions, read some answers to their shares past the budget and fell back to polling
   * alone. The ticks judge a Redis that is slow rather than away.
   */
  async function run(command: (client: Awaited<typeof connection.connected>) => Promise<unknown>) {
    try {
      await withinBudget(connection.connected.then(command));
    } catch (error) {
      if (!(error instanceof RedisLate)) degrade(error);
    }
  }

  return {
    add(pair, delayMs) {
      const entry: Entry = { pair, delayMs, held: false, fresh: false, polling: false, subscribed: false, unread: true, joined: false, listener: () => undefined };
      entry.listener = (message) => receive(entry, message);
      entries.set(pair.key, entry);
      if (!coordinated) startPolling(entry, delayMs);
      queueJoin(entry);
    },
    remove(pair) {
      const entry = entries.get(pair.key);
      if (entry?.pair !== pair) return;
      entries.delete(pair.key);
      stopPolling(entry);
      void subscriber.then((sub) => sub.unsubscribe(channel(pair), entry.listener)).catch(() => {
        // Redis away: the listener ignores a pair no longer watched; the subscription goes with the connection.
      });
      // Also one no join has assigned: a join answered late may have taken its lease (RELEASE
      // deletes only a lease this instance holds).
      if (entry.held || !entry.joined) void run(release([entry]));
    },
    share(pair, snapshot, changed) {
      const entry = entries.get(pair.key);
      if (!coordinated || !entry?.held || !(changed || entry.fresh)) return;
      publish(entry, snapshot);
    },
    polls(pair) {
      const entry = entries.get(pair.key);
      return entry?.pair === pair && entry.polling;
    },
    touch(resource) {
      touchHere(resource);
      if (coordinated) void run((client) => client.publish(TOUCHED, JSON.stringify({ from: me, resource })));
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await local.close();
      const held = [...entries.values()].filter((entry) => entry.held);
      entries.clear();
      // Handing the leases back lets the other instances take over at their next tick, not after the lease time.
      if (coordinated) {
        await Promise.allSettled([
          held.length && withinBudget(connection.connected.then(release(held))),
          withinBudget(connection.connected.then((client) => client.hDel(INSTANCES, me))),
        ]);
      }
      (await subscriber.catch(() => undefined))?.destroy();
      await connection.close();
    },
  };
}
