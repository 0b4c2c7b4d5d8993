/**
 * What the live benchmark measures, apart from its transports: which change each event a
 * subscriber received shows, how long after the change it arrived, and whether every subscriber
 * ended on the last change of its room. Pure bookkeeping, unit-tested (test/unit/liveMeasure.test.ts).
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
