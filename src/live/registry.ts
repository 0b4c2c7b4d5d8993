/**
 * The watched (resource, credential scope) pairs and their subscribers. However many subscribers
 * watch a resource with one credential, it is polled once per interval (scheduler.ts; with
 * REDIS_URL by one instance of the cluster, coordinator.ts), with the credential of one of those
 * subscribers: they all hold the same secret, since the scope is its hash, and a pair never serves
 * a subscriber of another scope. A pair lives from its first
 * subscriber to its last: when the last one leaves, its polling stops at once.
 *
 * Each subscriber reads the pair's latest state when it is ready for one (latest state wins): a
 * slow consumer holds one reference to the newest state, never a queue of old ones.
 */
import { GatewayError } from '../errors.js';
import { PROVIDERS, type Provider } from '../model/provider.js';
import { credentialKeys, credentialScope, requireCredential, type Credentials } from '../upstreams/credentials.js';
import { createLocalCoordinator, type CoordinatedPair, type PollCoordinator, type Snapshot } from './coordinator.js';

export type { Snapshot };

/** A vendor resource that can be watched. */
export interface LiveResource<T> {
  provider: Provider;
  /** Names the resource within its vendor (e.g. `chatroom|1|42`); with the credential scope it keys a pair. */
  key: string;
  /** Reads the resource's current state with one subscriber's credentials. */
  fetch(credentials: Credentials, signal: AbortSignal): Promise<T>;
  /** True when a subscriber could see no difference between the two states. */
  same(a: T, b: T): boolean;
}

/** A subscriber's view of a pair: each `next()` is the newest state it has not seen yet. */
export type Feed<T> = AsyncIterableIterator<Snapshot<T>> & { return(): Promise<IteratorResult<Snapshot<T>>> };

export type PollOutcome = 'changed' | 'unchanged' | 'error';

/** The registry's settings; each is read from the environment in config.ts. */
export interface LiveSettings {
  /** Per vendor: LIVE_POLL_INTERVAL_MS (default 2000), overridden by IWERP_LIVE_POLL_INTERVAL_MS etc. */
  intervalMs: Record<Provider, number>;
  /** Per vendor: *_LIVE_MAX_POLLS_PER_SECOND (default 1000, LIVE_MAX_POLLS_PER_SECOND for all). */
  maxPollsPerSecond: Record<Provider, number>;
  /**
   * Per vendor: polls in flight at most. With the poll worker (LIVE_POLL_WORKER), twice its
   * UPSTREAM_CONCURRENCY (128 of the default 64): the worker's pool is the polls' own, and its door
   * keeps them to UPSTREAM_CONCURRENCY at the vendor, while answers wait for the main thread. On the
   * main thread, three quarters of it (48): the rest of the vendor's connections stay free for
   * queries. Either way, polls that cannot start at once wait their turn in the poll lane instead
   * of the vendor queue, where they would time out.
   */
  maxPollsInFlight: Record<Provider, number>;
  /** LIVE_MAX_SUBSCRIPTIONS (default 20000): open subscriptions on the instance at most. */
  maxSubscriptions: number;
  /** LIVE_MAX_SUBSCRIPTIONS_PER_CREDENTIAL (default 500): open subscriptions of one vendor credential at most. */
  maxSubscriptionsPerCredential: number;
}

/** What the registry tells its owner (metrics, logs). */
export interface LiveHooks {
  polled?(provider: Provider, outcome: PollOutcome, error?: unknown): void;
  /** An event reached its subscriber; `observedAt` is when its state was read from the vendor. */
  delivered?(provider: Provider, observedAt: Date): void;
}

export interface LiveRegistryOptions {
  settings: LiveSettings;
  /** True while the vendor's breaker is open: its polls wait. */
  paused(provider: Provider): boolean;
  hooks?: LiveHooks;
  /** Who polls each pair (default: this instance, every pair it watches; with REDIS_URL, createRedisCoordinator). */
  coordinator?: PollCoordinator;
  /**
   * How a poll reads its resource (default: `resource.fetch`, on this thread). With
   * LIVE_POLL_WORKER, the poll worker reads it (pollWorkerClient.ts) and answers the same model
   * object; the registry closes it when it closes.
   */
  reader?: PollReader;
}

/** Reads a watched resource somewhere else than on this thread. */
export interface PollReader {
  /** `previous` is the pair's latest state: the reader may answer that very object when nothing changed. */
  read<T>(resource: LiveResource<T>, credentials: Credentials, signal: AbortSignal, previous: T | undefined): Promise<T>;
  /**
   * A pair is watched: get ready to read, so that its first poll does not wait for that (with
   * REDIS_URL it may come much later, when this instance takes the pair's lease over).
   */
  warm(): void;
  close(): Promise<void>;
}

/** Errors a later poll cannot mend: the subscriber hears of them once, then its stream ends. */
const FINAL_CODES = new Set(['UNAUTHENTICATED', 'FORBIDDEN', 'BAD_USER_INPUT', 'UNSUPPORTED_BY_PROVIDER']);

/** A subscriber's place held before its watch (registry.reserve). */
export interface Reservation {
  /** Frees the place, unless a watch took it. */
  release(): void;
}

interface Subscriber {
  credentials: Credentials;
  /** What it counts against LIVE_MAX_SUBSCRIPTIONS_PER_CREDENTIAL (credentialKeys). */
  keys: string[];
  /** The pair's version this subscriber last read. */
  seen: number;
  /** Set while its consumer waits for a newer state. */
  wake: (() => void) | undefined;
  closed: boolean;
  /** Stops listening to its client's signal (watch's `until`), once it has left. */
  unlisten: (() => void) | undefined;
}

interface Pair<T> extends CoordinatedPair {
  scope: string;
  subscribers: Set<Subscriber>;
  version: number;
  latest: Snapshot<T> | undefined;
  /**
   * When a write last touched its resource (ms), until a poll here that started after it answers:
   * `latest` may be older than the write meanwhile (peek). Where another instance polls the pair,
   * for an interval: its holder shares what it finds only when it changed.
   */
  touchedAt: number | undefined;
  /** Writes that touched its resource, counted: a poll that started before the last one says nothing of it. */
  touches: number;
  /** Aborted when the pair retires: a poll in flight is abandoned (one per pair, not one per poll). */
  retired: AbortController;
}

export function createLiveRegistry(options: LiveRegistryOptions) {
  const { settings, hooks = {} } = options;
  const pairs = new Map<string, Pair<unknown>>();
  const coordinator = options.coordinator ?? createLocalCoordinator(options);
  // Open subscriptions per credential (credentialKeys), for LIVE_MAX_SUBSCRIPTIONS_PER_CREDENTIAL.
  const perCredential = new Map<string, number>();
  let subscriberCount = 0;
  let closed = false;

  function publish<T>(pair: Pair<T>, snapshot: Snapshot<T>) {
    pair.version += 1;
    pair.latest = snapshot;
    for (const subscriber of pair.subscribers) subscriber.wake?.();
  }

  /** Stops polling a pair; subscribers that hold it still read its last state. */
  function retire(pair: Pair<unknown>) {
    if (pairs.get(pair.key) === pair) pairs.delete(pair.key);
    coordinator.remove(pair);
    pair.retired.abort();
  }

  /** A new state, from a poll here or on another instance: subscribers hear of it when it differs. */
  function take<T>(pair: Pair<T>, snapshot: Snapshot<T>, resource: LiveResource<T>): boolean {
    if (snapshot.kind !== 'state') {
      retire(pair);
      publish(pair, snapshot);
      return true;
    }
    const previous = pair.latest;
    const changed = previous?.kind !== 'state' || !resource.same(previous.value, snapshot.value);
    if (changed) publish(pair, snapshot);
    return changed;
  }

  async function poll<T>(pair: Pair<T>, resource: LiveResource<T>) {
    const [subscriber] = pair.subscribers;
    if (!subscriber) return;
    const { signal } = pair.retired;
    const touches = pair.touches;
    let snapshot: Snapshot<T>;
    try {
      const previous = pair.latest?.kind === 'state' ? pair.latest.value : undefined;
      const value = await (options.reader ? options.reader.read(resource, subscriber.credentials, signal, previous) : resource.fetch(subscriber.credentials, signal));
      snapshot = { kind: 'state', value, observedAt: new Date() };
    } catch (error) {
      // A poll whose pair another instance polls now: the holder's answer counts, not this late one.
      if (signal.aborted || !coordinator.polls(pair)) return;
      const code = error instanceof GatewayError ? error.code : undefined;
      hooks.polled?.(pair.provider, 'error', error);
      if (code === 'NOT_FOUND') snapshot = { kind: 'gone', observedAt: new Date() };
      else if (code && FINAL_CODES.has(code)) snapshot = { kind: 'failed', error: error as GatewayError, observedAt: new Date() };
      // Anything else (timeout, 5xx, open breaker) may pass: subscribers hear nothing, the next poll tries again.
      else return;
      // Shared before the pair retires: the coordinator still knows it.
      coordinator.share(pair, snapshot, true);
      take(pair, snapshot, resource);
      return;
    }
    if (signal.aborted || !coordinator.polls(pair)) return;
    // Read after the last write that touched it: what it found is no older than that write.
    if (pair.touches === touches) pair.touchedAt = undefined;
    const changed = take(pair, snapshot, resource);
    hooks.polled?.(pair.provider, changed ? 'changed' : 'unchanged');
    coordinator.share(pair, snapshot, changed);
  }

  const pairKey = (resource: LiveResource<unknown>, scope: string) => `${scope}|${resource.key}`;

  /** The pair of a resource and scope; a new one starts from `known` when given, else with a poll at once (a first read, scheduler.ts). */
  function pairFor<T>(resource: LiveResource<T>, scope: string, known: T | undefined): Pair<T> {
    const key = pairKey(resource as LiveResource<unknown>, scope);
    const existing = pairs.get(key) as Pair<T> | undefined;
    if (existing) return existing;
    const pair: Pair<T> = {
      provider: resource.provider,
      key,
      resource: `${resource.provider}|${resource.key}`,
      scope,
      subscribers: new Set(),
      version: known === undefined ? 0 : 1,
      latest: known === undefined ? undefined : { kind: 'state', value: known, observedAt: new Date() },
      touchedAt: undefined,
      touches: 0,
      touched: () => {
        pair.touchedAt = Date.now();
        pair.touches += 1;
      },
      retired: new AbortController(),
      run: () => poll(pair, resource),
      awaitsFirstState: () => pair.latest === undefined,
      receive: (snapshot) => {
        if (pairs.get(key) === pair) take(pair, snapshot as Snapshot<T>, resource);
      },
    };
    pairs.set(key, pair);
    options.reader?.warm();
    coordinator.add(pair, known === undefined ? 0 : settings.intervalMs[resource.provider]);
    return pair;
  }

  const atLimit = (key: string) => (perCredential.get(key) ?? 0) >= settings.maxSubscriptionsPerCredential;
  const gatewayFull = () => new GatewayError('TOO_MANY_SUBSCRIPTIONS', `This gateway serves ${settings.maxSubscriptions} subscriptions at most.`);
  const credentialFull = (provider: Provider) =>
    new GatewayError('TOO_MANY_SUBSCRIPTIONS', `One ${provider} credential may hold ${settings.maxSubscriptionsPerCredential} subscriptions at most.`, { provider });

  /** Counts one more subscriber of the vendor's against both limits, or throws the refusal; answers what it counts against. */
  function hold(provider: Provider, credentials: Credentials): string[] {
    if (subscriberCount >= settings.maxSubscriptions) throw gatewayFull();
    const keys = credentialKeys(credentials, provider);
    if (keys.some(atLimit)) throw credentialFull(provider);
    subscriberCount += 1;
    for (const key of keys) perCredential.set(key, (perCredential.get(key) ?? 0) + 1);
    return keys;
  }

  function free(keys: readonly string[]) {
    subscriberCount -= 1;
    for (const key of keys) {
      const left = (perCredential.get(key) ?? 1) - 1;
      if (left > 0) perCredential.set(key, left);
      else perCredential.delete(key);
    }
  }

  /** Places held by reserve() until a watch takes them or they are released. */
  const reserved = new WeakMap<Reservation, string[]>();

  function leave<T>(pair: Pair<T>, subscriber: Subscriber) {
    if (subscriber.closed) return;
    subscriber.closed = true;
    subscriber.unlisten?.();
    subscriber.wake?.();
    pair.subscribers.delete(subscriber);
    free(subscriber.keys);
    if (pair.subscribers.size === 0) retire(pair);
  }

  return {
    /**
     * Subscribes to a resource with the caller's credentials. Refused before any vendor call:
     * UNAUTHENTICATED without a credential for the vendor, TOO_MANY_SUBSCRIPTIONS past
     * LIVE_MAX_SUBSCRIPTIONS or the credential's own limit. `known` is a state the caller just read
     * from the vendor: a new pair starts from it and polls an interval later. `until` is its client's
     * signal: once it fires, the feed ends, whoever holds it. (graphql-ws can lose an operation's
     * stream from its table, when a client reuses its id at the wrong moment; on yoga's executor
     * or graphql-js's, the stream then outlived its socket, polled for good and counted against
     * the limits: an attacker's pass locked every other client out that way.)
     */
    watch<T>(resource: LiveResource<T>, credentials: Credentials, options: { known?: T; until?: AbortSignal; reservation?: Reservation } = {}): Feed<T> {
      const { known, until, reservation } = options;
      if (closed) throw new GatewayError('UPSTREAM_ERROR', 'The gateway is shutting down.', { provider: resource.provider });
      requireCredential(credentials, resource.provider);
      const scope = credentialScope(credentials, resource.provider);
      const held = reservation && reserved.get(reservation);
      if (reservation) reserved.delete(reservation);
      const keys = held ?? hold(resource.provider, credentials);
      const pair = pairFor(resource, scope, known);
      const subscriber: Subscriber = { credentials, keys, seen: 0, wake: undefined, closed: false, unlisten: undefined };
      pair.subscribers.add(subscriber);
      if (until?.aborted) leave(pair, subscriber);
      else if (until) {
        const gone = () => leave(pair, subscriber);
        until.addEventListener('abort', gone, { once: true });
        subscriber.unlisten = () => until.removeEventListener('abort', gone);
      }
      const done = { value: undefined, done: true } as const;

      const feed: Feed<T> = {
        [Symbol.asyncIterator]: () => feed,
        async next() {
          while (!subscriber.closed && pair.version <= subscriber.seen) {
            await new Promise<void>((resolve) => (subscriber.wake = resolve));
            subscriber.wake = undefined;
          }
          if (subscriber.closed) return done;
          subscriber.seen = pair.version;
          const snapshot = pair.latest as Snapshot<T>;
          // The end of the resource is its last word.
          if (snapshot.kind !== 'state') leave(pair, subscriber);
          return { value: snapshot, done: false };
        },
        async return() {
          leave(pair, subscriber);
          return done;
        },
      };
      return feed;
    },
    /**
     * Why a `@live` query with these credentials would be refused before it runs, if it would:
     * the gateway is full, or every credential it carries is at its limit. (What it reads is only
     * known once it runs; each resource is then watched, or refused, as a subscription is.)
     */
    liveRefusal(credentials: Credentials): GatewayError | undefined {
      if (subscriberCount >= settings.maxSubscriptions) return gatewayFull();
      const held = PROVIDERS.map((provider) => ({ provider, keys: credentialKeys(credentials, provider) })).filter(({ keys }) => keys.length > 0);
      if (held.length > 0 && held.every(({ keys }) => keys.some(atLimit))) return credentialFull(held[0]!.provider);
      return undefined;
    },
    /**
     * Holds a subscriber's place for the vendor's resource before it is read, or throws the refusal
     * watch() would: a @live query's run reads what it will watch from the vendor first, and a
     * watch refused after the read had made a vendor call for nothing (issue 11 refuses with none),
     * once per run started together below the limit. A watch given the reservation takes its
     * place; release() frees one no watch took.
     */
    reserve(provider: Provider, credentials: Credentials): Reservation {
      const reservation: Reservation = {
        release() {
          const keys = reserved.get(reservation);
          reserved.delete(reservation);
          if (keys) free(keys);
        },
      };
      reserved.set(reservation, hold(provider, credentials));
      return reservation;
    },
    /**
     * The latest state polled for a resource with this credential, when it is watched, and no write
     * touched it since (a read after a write must not see what was before it: it goes to the vendor).
     */
    peek<T>(resource: LiveResource<T>, credentials: Credentials): T | undefined {
      const pair = pairs.get(pairKey(resource as LiveResource<unknown>, credentialScope(credentials, resource.provider)));
      if (pair?.latest?.kind !== 'state') return undefined;
      if (pair.touchedAt !== undefined && (coordinator.polls(pair) || Date.now() - pair.touchedAt < settings.intervalMs[pair.provider])) return undefined;
      return pair.latest.value as T;
    },
    /** A write changed this resource (any scope): whoever polls it polls it at once, and its states here are older than the write until then. */
    touch(provider: Provider, resourceKey: string) {
      coordinator.touch(`${provider}|${resourceKey}`);
    },
    /** Tells the owner an event reached its subscriber (delivery lag). */
    delivered(provider: Provider, observedAt: Date) {
      hooks.delivered?.(provider, observedAt);
    },
    /** True while an open breaker (the query door's or the poll worker's) holds the vendor's polls, or would if any were watched. */
    pollsPaused(provider: Provider): boolean {
      return options.paused(provider);
    },
    /** What is watched now, for metrics. */
    stats() {
      const watchedPairs: Record<Provider, number> = { IWERP: 0, POPSELL: 0, MESSENGER: 0 };
      const subscribers: Record<Provider, number> = { IWERP: 0, POPSELL: 0, MESSENGER: 0 };
      for (const pair of pairs.values()) {
        watchedPairs[pair.provider] += 1;
        subscribers[pair.provider] += pair.subscribers.size;
      }
      return { watchedPairs, subscribers };
    },
    /** Ends every feed and stops every timer and poll (shutdown); settles once the coordinator and the reader let go of their connections and thread. */
    close(): Promise<void> {
      closed = true;
      for (const pair of [...pairs.values()]) {
        for (const subscriber of [...pair.subscribers]) leave(pair, subscriber);
      }
      return Promise.all([coordinator.close(), options.reader?.close()]).then(() => undefined);
    },
  };
}

export type LiveRegistry = ReturnType<typeof createLiveRegistry>;
