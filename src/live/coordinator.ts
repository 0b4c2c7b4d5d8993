/**
 * Who polls a watched pair. The registry hands every pair it watches to a coordinator and hears
 * back what was polled; the coordinator decides where and when the poll runs. On one instance
 * (this file) every pair is polled here, in its vendor's lane; with REDIS_URL
 * (redisCoordinator.ts) one instance of the cluster polls each pair and the others receive.
 */
import type { GatewayError } from '../errors.js';
import type { Provider } from '../model/provider.js';
import { createPollLane, type PollJob, type PollLane } from './scheduler.js';

/**
 * What a subscriber is handed: the resource's state, or the end of it. `gone` is a vendor 404;
 * `failed` an error no later poll can mend (401, 403, an ID the vendor refuses).
 */
export type Snapshot<T> =
  | { kind: 'state'; value: T; observedAt: Date }
  | { kind: 'gone'; observedAt: Date }
  | { kind: 'failed'; error: GatewayError; observedAt: Date };

/** A watched pair as a coordinator sees it. */
export interface CoordinatedPair extends PollJob {
  provider: Provider;
  /** `scope|resource key`: names the pair across instances; the scope is a hash, never the credential. */
  key: string;
  /** `provider|resource key`: what a write touches, whatever the scope. */
  resource: string;
  /** A snapshot another instance polled for this pair. */
  receive(snapshot: Snapshot<unknown>): void;
  /** Its last snapshot here (none before its first state). */
  readonly latest: Snapshot<unknown> | undefined;
  /** A write touched its resource (through any instance): its state here may be older than that write. */
  touched(): void;
}

export interface PollCoordinator {
  /** The pair has its first subscriber here: have it polled, the first time after `delayMs`. */
  add(pair: CoordinatedPair, delayMs: number): void;
  /** The pair's last subscriber here left: no longer poll it (for this instance). */
  remove(pair: CoordinatedPair): void;
  /**
   * What a poll here found, for the other instances: every successful poll's state (`changed` when
   * it differs from the last one), and the end of the resource.
   */
  share(pair: CoordinatedPair, snapshot: Snapshot<unknown>, changed: boolean): void;
  /** A write changed this resource: every pair of it hears so (`touched`), here and on every instance, and is polled at once, wherever it is polled. */
  touch(resource: string): void;
  /**
   * Whether this instance polls the pair now: a poll that answers after its pair went to another
   * instance is dropped, the holder's states being as new or newer.
   */
  polls(pair: CoordinatedPair): boolean;
  /** Stops every timer and connection. */
  close(): Promise<void>;
}

/** The local coordinator, whose budgets a cluster-wide one adjusts. */
export interface LocalCoordinator extends PollCoordinator {
  /** This instance's budget for a vendor (with Redis: its share of the vendor's budget). */
  setBudget(provider: Provider, maxPollsPerSecond: number): void;
}

/** What the local coordinator needs: the registry's own settings and breaker check (no defaults). */
export interface LocalCoordinatorOptions {
  /** The registry's LiveSettings: per vendor, the interval, the poll budget and the polls in flight at most. */
  settings: { intervalMs: Record<Provider, number>; maxPollsPerSecond: Record<Provider, number>; maxPollsInFlight: Record<Provider, number> };
  /** True while the vendor's breaker is open: its polls wait. */
  paused(provider: Provider): boolean;
}

/** Polls every pair on this instance: one lane per vendor, created with its first pair. */
export function createLocalCoordinator(options: LocalCoordinatorOptions): LocalCoordinator {
  const { settings } = options;
  const lanes = new Map<Provider, PollLane>();
  /** Pairs by the resource they read, for touch. */
  const byResource = new Map<string, Set<CoordinatedPair>>();

  const lane = (provider: Provider) => {
    let found = lanes.get(provider);
    if (!found) {
      found = createPollLane({
        intervalMs: settings.intervalMs[provider],
        maxPollsPerSecond: settings.maxPollsPerSecond[provider],
        maxInFlight: settings.maxPollsInFlight[provider],
        paused: () => options.paused(provider),
      });
      lanes.set(provider, found);
    }
    return found;
  };

  return {
    add(pair, delayMs) {
      let pairs = byResource.get(pair.resource);
      if (!pairs) byResource.set(pair.resource, (pairs = new Set()));
      pairs.add(pair);
      lane(pair.provider).add(pair, delayMs);
    },
    remove(pair) {
      const pairs = byResource.get(pair.resource);
      pairs?.delete(pair);
      if (pairs?.size === 0) byResource.delete(pair.resource);
      lanes.get(pair.provider)?.remove(pair);
    },
    share() {
      // Nobody else to tell.
    },
    polls: () => true,
    touch(resource) {
      for (const pair of byResource.get(resource) ?? []) {
        pair.touched();
        lanes.get(pair.provider)?.pollNow(pair);
      }
    },
    setBudget(provider, maxPollsPerSecond) {
      lane(provider).setBudget(maxPollsPerSecond);
    },
    async close() {
      for (const poller of lanes.values()) poller.close();
      lanes.clear();
      byResource.clear();
    },
  };
}
