import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import { chatroomChanges, chatroomListChanges } from '../../src/live/changeStream.js';
import type { Feed, Snapshot } from '../../src/live/registry.js';
import type { Chatroom } from '../../src/model/chat.js';
import { mapChatroom } from '../../src/upstreams/messenger/mapper.js';

/** A feed that hands out the given snapshots in order, then ends; it records whether it was returned. */
function feedOf<T>(snapshots: Snapshot<T>[]) {
  const state = { returned: false };
  const feed: Feed<T> = {
    [Symbol.asyncIterator]: () => feed,
    async next() {
      const value = state.returned ? undefined : snapshots.shift();
      return value ? { value, done: false } : { value: undefined, done: true };
    },
    async return() {
      state.returned = true;
      return { value: undefined, done: true };
    },
  };
  return { feed, state };
}

const at = new Date('2026-01-01T00:00:00Z');
const room = (name: string, assignedUsers = [1], deleted = false): Chatroom => ({
  ...mapChatroom({ id: 8, organizationID: 1, type: 'custom', name, eventID: 0, avatarURL: '', assignedUsers, scheduledDeletion: null }),
  deleted,
});
const state = <T>(value: T): Snapshot<T> => ({ kind: 'state', value, observedAt: at });

async function all<T>(stream: AsyncIterableIterator<T>) {
  const out: T[] = [];
  for await (const event of stream) out.push(event);
  return out;
}

describe('chatroomChanges', () => {
  it('sends INITIAL, then each difference from the last state sent, and nothing for a state already sent', async () => {
    const { feed } = feedOf([state(room('a')), state(room('a')), state(room('b', [1, 2]))]);
    const events = await all(chatroomChanges(feed));
    expect(events.map((e) => (e instanceof GatewayError ? e.code : e.changes))).toEqual([['INITIAL'], ['RENAMED', 'PARTICIPANTS_JOINED']]);
  });

  it('a state equal to the last one sent sends nothing (it changed and changed back while the consumer was busy)', async () => {
    const { feed } = feedOf([state(room('a')), state(room('a', [1]))]);
    expect(await all(chatroomChanges(feed))).toHaveLength(1);
  });

  it('ends with DELETED and a null chatroom when the vendor flags the room deleted, and lets go of the feed', async () => {
    const { feed, state: fed } = feedOf([state(room('a')), state(room('a', [1], true)), state(room('c'))]);
    const events = await all(chatroomChanges(feed));
    expect(events.at(-1)).toMatchObject({ chatroom: null, changes: ['DELETED'] });
    expect(events).toHaveLength(2);
    expect(fed.returned).toBe(true);
  });

  it('hands a final error over as the error itself, last', async () => {
    const error = new GatewayError('FORBIDDEN', 'no', { provider: 'MESSENGER' });
    const { feed } = feedOf<Chatroom>([state(room('a')), { kind: 'failed', error, observedAt: at }]);
    const events = await all(chatroomChanges(feed));
    expect(events.at(-1)).toBe(error);
  });

  it('reports when each event is delivered, with the time its state was seen', async () => {
    const seen: Date[] = [];
    const { feed } = feedOf([state(room('a'))]);
    await all(chatroomChanges(feed, (observedAt) => seen.push(observedAt)));
    expect(seen).toEqual([at]);
  });
});

describe('chatroomListChanges', () => {
  const page = (...names: string[]) => ({
    chatrooms: names.map((name, i) => ({ ...room(name), providerId: String(i + 1) })),
    total: names.length,
  });

  it('sends every room as added first; a 404 later removes every room sent', async () => {
    const { feed } = feedOf([state(page('a', 'b')), state(page('a', 'b')), { kind: 'gone', observedAt: at }]);
    const events = await all(chatroomListChanges(feed));
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ added: [{ name: 'a' }, { name: 'b' }], removed: [], totalCount: 2 });
    expect(events[1]).toMatchObject({ added: [], removed: [{ name: 'a' }, { name: 'b' }], totalCount: 0 });
  });

  it('a 404 removes only the rooms the client still holds: not one flagged deleted all along, nor one already removed (a reviewer\'s finding)', async () => {
    const flagged = (listed: ReturnType<typeof page>, ...indexes: number[]) => ({
      ...listed,
      chatrooms: listed.chatrooms.map((r, i) => (indexes.includes(i) ? { ...r, deleted: true } : r)),
    });
    const { feed } = feedOf([state(flagged(page('a', 'b', 'c'), 1)), state(flagged(page('a', 'b', 'c'), 1, 2)), { kind: 'gone', observedAt: at }]);
    const names = (rooms: Chatroom[]) => rooms.map((r) => r.name);
    const events = (await all(chatroomListChanges(feed))).map((e) => {
      if (e instanceof GatewayError) throw e;
      return { added: names(e.added), removed: names(e.removed) };
    });
    expect(events).toEqual([
      { added: ['a', 'c'], removed: [] },
      { added: [], removed: ['c'] },
      { added: [], removed: ['a'] },
    ]);
  });
});
