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
  });
});
