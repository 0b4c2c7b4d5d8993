import { afterEach, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/model/globalId.js';
import { useGateway } from '../helpers/gateway.js';
import { collect, until } from '../helpers/sseEvents.js';

// Long enough that an event within a second can only come from the write.
const INTERVAL_MS = 10_000;
const gateway = useGateway({ env: { LIVE_POLL_INTERVAL_MS: String(INTERVAL_MS) } });

const subscriptions: ReturnType<typeof collect>[] = [];
afterEach(() => {
  for (const subscription of subscriptions.splice(0)) subscription.close();
});

const ROOM = encodeGlobalId('Chatroom', 'MESSENGER', { chatroom: '26' });

describe('a write re-polls what it touched', () => {
  it('a rename reaches the room’s subscribers at once, not an interval later', async () => {
    const watching = collect<{ chatroomChanged: { changes: string[]; chatroom: { name: string } } }>(
      gateway().url,
      `subscription { chatroomChanged(id: "${ROOM}") { changes chatroom { name } } }`,
    );
    subscriptions.push(watching);
    await until(() => watching.events.length === 1, 3000, 'INITIAL');
    const renamed = await gateway().query('mutation($id: ID!) { updateChatroom(id: $id, input: { name: "Renamed by a write" }) { name } }', { id: ROOM });
    expect(renamed.errors).toBeUndefined();
    const waited = await until(() => watching.events.length === 2, 1000, 'the rename');
    expect(waited).toBeLessThan(1000);
    expect(watching.events[1]?.data?.chatroomChanged).toEqual({ changes: ['RENAMED'], chatroom: { name: 'Renamed by a write' } });
  });

  it('a @live query started after the write, before the re-poll answered, reads what was written', async () => {
    // A reviewer's finding: it read the watched room's state from before the write (the poller's
    // latest), until the re-poll answered.
    const room = encodeGlobalId('Chatroom', 'MESSENGER', { chatroom: '27' });
    const watching = collect(gateway().url, `subscription { chatroomChanged(id: "${room}") { changes } }`);
    subscriptions.push(watching);
    await until(() => watching.events.length === 1, 3000, 'INITIAL');
    // The write's re-poll is slow to answer (the write reads the room first, the first GET).
    gateway().simulators.messenger.inject({ fault: { kind: 'slow', delayMs: 1000 }, route: '/chatroom/27', method: 'GET', times: 2 });
    const renamed = await gateway().query('mutation($id: ID!) { updateChatroom(id: $id, input: { name: "Written" }) { name } }', { id: room });
    expect(renamed.errors).toBeUndefined();
    const live = collect<{ chatroom: { name: string } }>(gateway().url, `query @live { chatroom(id: "${room}") { name } }`);
    subscriptions.push(live);
    await until(() => live.events.length >= 1, 3000, 'the first result');
    expect(live.events[0]?.data).toEqual({ chatroom: { name: 'Written' } });
    // And once: the re-poll, when it answers, finds what the run read already.
    await until(() => watching.events.length === 2, 3000, 'the re-poll’s change');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(live.events).toHaveLength(1);
  });

  it('one started while a poll from before the write is still answering, and the re-poll after it, reads what was written', async () => {
    // A reviewer's second reading: the poll that was in flight when the write landed answered the
    // state from before it, and counted as the re-poll.
    const room = encodeGlobalId('Chatroom', 'MESSENGER', { chatroom: '29' });
    const gets = () => gateway().vendorRequests('messenger').filter((r) => r.method === 'GET' && r.path === '/chatroom/29').length;
    const watching = collect(gateway().url, `subscription { chatroomChanged(id: "${room}") { changes } }`);
    subscriptions.push(watching);
    await until(() => watching.events.length === 1, 3000, 'INITIAL');
    // The next poll answers slowly, with the state from before the write; so does the re-poll.
    gateway().simulators.messenger.inject({ fault: { kind: 'slow', delayMs: 1500 }, route: '/chatroom/29', method: 'GET', times: 1 });
    gateway().live.touch('MESSENGER', 'chatroom||29');
    const before = gets();
    await until(() => gets() > before, 3000, 'a poll in flight');
    const renamed = await gateway().query('mutation($id: ID!) { updateChatroom(id: $id, input: { name: "Written while polled" }) { name } }', { id: room });
    expect(renamed.errors).toBeUndefined();
    gateway().simulators.messenger.inject({ fault: { kind: 'slow', delayMs: 3000 }, route: '/chatroom/29', method: 'GET', times: 1 });
    const afterWrite = gets();
    await until(() => gets() > afterWrite, 3000, 'the re-poll');
    const live = collect<{ chatroom: { name: string } }>(gateway().url, `query @live { chatroom(id: "${room}") { name } }`);
    subscriptions.push(live);
    await until(() => live.events.length >= 1, 3000, 'the first result');
    expect(live.events[0]?.data).toEqual({ chatroom: { name: 'Written while polled' } });
  }, 20_000);
});

describe('a @live query over a room that changes while it runs', () => {
  // A reviewer's findings: both left the query showing a state the room no longer had, until the
  // room changed again. Room b's reads are slow, so a run that reads it from the vendor lasts.
  const roomsOf = (a: string, b: string) => [a, b].map((id) => encodeGlobalId('Chatroom', 'MESSENGER', { chatroom: id }));
  const liveOver = (a: string, b: string) => {
    const [roomA, roomB] = roomsOf(a, b);
    const live = collect<{ a: { name: string }; b: { name: string } }>(gateway().url, `query @live { a: chatroom(id: "${roomA}") { name } b: chatroom(id: "${roomB}") { name } }`);
    subscriptions.push(live);
    return live;
  };
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('shows a change undone during a run undone, where the run before had read that state already', async () => {
    const live = liveOver('30', '31');
    await until(() => live.events.length === 1, 3000, 'the first result');
    const a = gateway().simulators.messengerState.rooms.get(30)!;
    const original = a.name;
    gateway().simulators.messenger.inject({ route: '/chatroom/31', method: 'GET', fault: { kind: 'slow', delayMs: 1200 } });
    a.name = 'Renamed for a moment';
    // As writes elsewhere would: room a re-polled at once; room b read from the vendor meanwhile.
    gateway().live.touch('MESSENGER', 'chatroom||30');
    gateway().live.touch('MESSENGER', 'chatroom||31');
    await sleep(400);
    a.name = original;
    gateway().live.touch('MESSENGER', 'chatroom||30');
    await until(() => live.events.at(-1)?.data?.a.name === original && live.events.length >= 3, 5000, 'the name back');
    gateway().simulators.messenger.clearFaults();
  }, 15_000);

  it('shows a change polled during its first run, when a write touched the room before the run ended', async () => {
    const [roomA] = roomsOf('32', '33');
    const watching = collect(gateway().url, `subscription { chatroomChanged(id: "${roomA}") { changes } }`);
    subscriptions.push(watching);
    await until(() => watching.events.length === 1, 3000, 'INITIAL');
    gateway().simulators.messenger.inject({ route: '/chatroom/33', method: 'GET', fault: { kind: 'slow', delayMs: 1200 }, times: 1 });
    // The first run reads room a from the poller, then waits for room b.
    const live = liveOver('32', '33');
    await sleep(300);
    const a = gateway().simulators.messengerState.rooms.get(32)!;
    a.name = 'Renamed during the first run';
    gateway().live.touch('MESSENGER', 'chatroom||32');
    await until(() => watching.events.length === 2, 3000, 'the rename polled');
    // A write that changes nothing visible: its re-poll, slow, finds the state polled already.
    gateway().simulators.messenger.inject({ route: '/chatroom/32', method: 'GET', fault: { kind: 'slow', delayMs: 2000 }, times: 1 });
    gateway().live.touch('MESSENGER', 'chatroom||32');
    await until(() => live.events.at(-1)?.data?.a.name === 'Renamed during the first run', 5000, 'the rename');
    gateway().simulators.messenger.clearFaults();
  }, 15_000);
});
