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
