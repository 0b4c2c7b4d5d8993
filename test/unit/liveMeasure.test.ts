import { describe, expect, it } from 'vitest';
import { Deliveries, RoomLog, lostFinalStates, type Watcher } from '../../bench/liveMeasure.js';

const change = (seq: number, at: number) => ({ seq, at, field: 'name' as const, value: `Support #${seq}` });

describe("the live benchmark's bookkeeping", () => {
  it('times each event from the change it shows, per transport, and skips first events', () => {
    const room = new RoomLog();
    const deliveries = new Deliveries();
    const sse: Watcher = { transport: 'sse', room, last: undefined, events: 0 };
    const ws: Watcher = { transport: 'ws', room, last: undefined, events: 0 };
    deliveries.receive(sse, 'Support', 5, true);
    room.record(change(1, 1000));
    room.record(change(2, 3000));
    deliveries.receive(sse, 'Support #1', 1800, false);
    deliveries.receive(ws, 'Support #2', 3400, true);
    deliveries.receive(sse, 'Support #2', 5100, false);
    // A reconnection: the subscription is made again and starts with INITIAL.
    deliveries.receive(ws, 'Support #2', 6000, true);
    room.record(change(3, 7000));
    deliveries.receive(ws, 'Support #3', 9500, true);
    expect(deliveries.latencies).toEqual({ sse: [800, 2100], ws: [2500] });
    expect([deliveries.repeated, deliveries.unknown]).toEqual([0, 0]);
    expect(sse).toMatchObject({ last: 'Support #2', events: 3 });
  });

  it('counts events that show no change made, and repeated ones; a change reported after its event still counts', () => {
    const room = new RoomLog();
    const deliveries = new Deliveries();
    const watcher: Watcher = { transport: 'ws', room, last: undefined, events: 0 };
    room.record(change(1, 0));
    deliveries.receive(watcher, 'Support #1', 10, true);
    deliveries.receive(watcher, 'Support #1', 20, false);
    deliveries.receive(watcher, 'Support #9', 30, false);
    // The report of change 2 arrives after the client's event that shows it.
    deliveries.receive(watcher, 'Support #2', 50, false);
    room.record(change(2, 40));
    deliveries.settle();
    expect([deliveries.repeated, deliveries.unknown, deliveries.latencies]).toEqual([1, 1, { ws: [10] }]);
  });

  it('a final state is lost when a subscriber did not end on its room last change, or stopped early', () => {
    const room = new RoomLog();
    const quiet = new RoomLog();
    room.record(change(1, 0));
    room.record(change(2, 10));
    const watchers: Watcher[] = [
      { transport: 'sse', room, last: 'Support #2', events: 3 },
      { transport: 'ws', room, last: 'Support #1', events: 2 },
      { transport: 'ws', room, last: 'Support #2', events: 3, ended: 'socket closed 1011' },
      { transport: 'sse', room: quiet, last: 'Board', events: 1 },
    ];
    expect(lostFinalStates(watchers)).toBe(2);
  });
});
