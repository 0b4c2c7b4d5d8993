/**
 * What the live benchmark measures, apart from its transports: which change each event a
 * subscriber received shows, how long after the change it arrived, and whether every subscriber
 * ended on the last change of its room; with several instances, which instance each client
 * connects to and what each instance's metrics count. Pure bookkeeping, unit-tested
 * (test/unit/liveMeasure.test.ts).
 */
import type { MadeChange } from '../src/simulators/activity.js';

/** The changes made to one room, by the value a reader sees. */
export class RoomLog {
  private readonly byValue = new Map<string, MadeChange>();
  last: MadeChange | undefined;

  record(change: MadeChange) {
    this.byValue.set(change.value, change);
    this.last = change;
  }

  /** The change a received value shows; undefined for the state before the first change. */
  changeOf(value: string | null | undefined): MadeChange | undefined {
    return value == null ? undefined : this.byValue.get(value);
  }
}

/** One subscription of one client: what it saw last, and how late each change reached it. */
export interface Watcher {
  transport: string;
  room: RoomLog;
  /** The value of the last event received (the field the room's changes show). */
  last: string | null | undefined;
  events: number;
  /** Set when the stream failed or completed before the end. */
  ended?: string;
}

/** Delivery latencies in ms, by transport, and events that showed no change made (should be none). */
export class Deliveries {
  readonly latencies: Record<string, number[]> = {};
  /** Events showing a value no change made (after the initial state): a bug if any (see settle). */
  unknown = 0;
  /**
   * Events whose change was not reported yet: the report travels from the vendors' process and
   * may arrive after the client's event. settle() books them.
   */
  private early: { watcher: Watcher; value: string | null | undefined; at: number }[] = [];
  /** Events whose change the subscriber had already seen: duplicates, a bug if any. */
  repeated = 0;

  /**
   * Books an event with `value` received at `at` (the changes' clock) by `watcher`. `initial`: the
   * event says INITIAL, as the first of a subscription, made again after a reconnection too.
   */
  receive(watcher: Watcher, value: string | null | undefined, at: number, initial: boolean) {
    const change = watcher.room.changeOf(value);
    // The very first event shows the state the client found, whenever it was made.
    if (watcher.events > 0) {
      if (value === watcher.last) {
        if (!initial) this.repeated += 1;
      } else if (!change) this.early.push({ watcher, value, at });
      else this.book(watcher, change.at, at);
    }
    watcher.last = value;
    watcher.events += 1;
  }

  /** Books the events that came before their change's report; those still unmatched are unknown. */
  settle() {
    for (const { watcher, value, at } of this.early) {
      const change = watcher.room.changeOf(value);
      if (change) this.book(watcher, change.at, at);
      else this.unknown += 1;
    }
    this.early = [];
  }

  private book(watcher: Watcher, madeAt: number, receivedAt: number) {
    (this.latencies[watcher.transport] ??= []).push(receivedAt - madeAt);
  }
}

/** Subscribers whose last event is not their room's last change (or who stopped early). */
export const lostFinalStates = (watchers: Iterable<Watcher>) =>
  [...watchers].filter((w) => w.ended !== undefined || (w.room.last !== undefined && w.last !== w.room.last.value)).length;

/**
 * The instance (0 to `instances` − 1) a client connection goes to, as a round robin would spread
 * them, arranged so that with two instances or more every (room, scope) pair is watched from two:
 * scope s's WebSocket (one socket for all its rooms) goes to instance s mod n, and its SSE
 * connections (one per room) take the other instances in turn. So each instance holds a share of
 * both kinds of subscriber, and every pair's lease is contested and its polls' results cross Redis
 * to an instance that did not poll.
 */
export function instanceOf(scope: number, room: number, transport: 'sse' | 'ws', instances: number) {
  const socket = scope % instances;
  if (transport === 'ws' || instances === 1) return socket;
  return (socket + 1 + (room % (instances - 1))) % instances;
}

/** The sum of a counter or gauge over all its labels, in a Prometheus text exposition. */
export function metricTotal(exposition: string, name: string) {
  let total = 0;
  for (const line of exposition.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{[^}]*\})?\s+(\S+)/.exec(line);
    if (match?.[1] === name) total += Number(match[2]);
  }
  return total;
}
