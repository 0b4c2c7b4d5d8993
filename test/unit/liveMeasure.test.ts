import { describe, expect, it } from 'vitest';
import { Deliveries, RoomLog, instanceOf, lostFinalStates, metricTotal, type Watcher } from '../../bench/liveMeasure.js';

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

  it('spreads connections over three instances: every pair watched from two, each instance a third of each transport', () => {
    const scopes = 9;
    const rooms = 50;
    const load = [0, 0, 0].map(() => ({ sse: 0, ws: 0 }));
    for (let scope = 0; scope < scopes; scope += 1) {
      const socket = instanceOf(scope, 0, 'ws', 3);
      load[socket]!.ws += 1;
      for (let room = 0; room < rooms; room += 1) {
        expect(instanceOf(scope, room, 'ws', 3)).toBe(socket);
        const sse = instanceOf(scope, room, 'sse', 3);
        expect(sse).not.toBe(socket);
        load[sse]!.sse += 1;
      }
    }
    expect(load).toEqual([0, 0, 0].map(() => ({ sse: 150, ws: 3 })));
  });

  it('sends every connection to the one instance when there is one', () => {
    expect([instanceOf(4, 7, 'sse', 1), instanceOf(4, 7, 'ws', 1)]).toEqual([0, 0]);
  });

  it("sums a metric over its labels, and only that metric's samples", () => {
    const exposition = [
      '# HELP gateway_live_polls_total Polls.',
      '# TYPE gateway_live_polls_total counter',
      'gateway_live_polls_total{provider="IWERP",outcome="changed"} 12',
      'gateway_live_polls_total{provider="MESSENGER",outcome="unchanged"} 30.5',
      'gateway_live_polls_total_other 100',
      'gateway_live_watched_pairs{provider="IWERP"} 4',
      'gateway_live_watched_pairs 1',
    ].join('\n');
    expect([metricTotal(exposition, 'gateway_live_polls_total'), metricTotal(exposition, 'gateway_live_watched_pairs'), metricTotal(exposition, 'absent')]).toEqual([42.5, 5, 0]);
  });
});
