import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diffChatroom, diffChatroomList, diffMessage, sameValue } from '../../src/live/diff.js';
import { chatroomListResource, chatroomResource } from '../../src/live/resources.js';
import type { Chatroom } from '../../src/model/chat.js';
import * as iwerp from '../../src/upstreams/iwerp/mapper.js';
import * as messenger from '../../src/upstreams/messenger/mapper.js';
import * as popsell from '../../src/upstreams/popsell/mapper.js';

/** The vendors' own examples, live (not deleted), through the real mappers: the diff sees model objects only. */
const seed = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/seeds/${name}.json`, import.meta.url), 'utf8')) as Record<string, any>;

function iwerpRoom(edit: (payload: Record<string, any>) => void = () => {}): Chatroom {
  const payload = seed('iwerp-chatroom');
  payload.deleted = false;
  payload.participants[0].deleted = false;
  payload.participants.push({ ...payload.participants[0], id: 43, name: 'Second' });
  edit(payload);
  return iwerp.mapChatroom(payload as never);
}

function popsellRoom(edit: (payload: Record<string, any>) => void = () => {}): Chatroom {
  const payload = seed('popsell-chatroom');
  // The pivot row of this room (the example's points at another one).
  payload.ambassadors[0].chatroom_pivot_data[0].id_chatroom = payload.id_chatroom;
  edit(payload);
  return popsell.mapChatroom(payload as never, 1);
}

function message(edit: (payload: Record<string, any>) => void = () => {}) {
  const payload = seed('iwerp-message');
  payload.deleted = false;
  edit(payload);
  return iwerp.mapMessage(payload as never);
}

describe('diffChatroom', () => {
  it('finds nothing between two reads of the same state', () => {
    expect(diffChatroom(iwerpRoom(), iwerpRoom())).toEqual({ changes: [], participantsJoined: [], participantsLeft: [] });
    expect(diffChatroom(popsellRoom(), popsellRoom()).changes).toEqual([]);
  });

  it('names each field change by its kind', () => {
    const before = iwerpRoom();
    expect(diffChatroom(before, iwerpRoom((p) => (p.name = 'Renamed'))).changes).toEqual(['RENAMED']);
    expect(diffChatroom(before, iwerpRoom((p) => (p.image_url = 'https://img/2'))).changes).toEqual(['IMAGE_CHANGED']);
    expect(diffChatroom(before, iwerpRoom((p) => (p.last_read_at = '2025-05-05T00:00:00Z'))).changes).toEqual(['READ_MARKS']);
    expect(diffChatroom(before, iwerpRoom((p) => (p.updated = '2025-05-05T00:00:00Z'))).changes).toEqual(['OTHER']);
  });

  it('lists several kinds in the enum order', () => {
    const after = iwerpRoom((p) => {
      p.last_read_at = '2025-05-05T00:00:00Z';
      p.name = 'Renamed';
    });
    expect(diffChatroom(iwerpRoom(), after).changes).toEqual(['RENAMED', 'READ_MARKS']);
  });

  it('says who joined and who left', () => {
    const before = iwerpRoom();
    const after = iwerpRoom((p) => {
      p.participants.splice(1, 1);
      p.participants.push({ ...p.participants[0], id: 44, name: 'Newcomer' });
    });
    const diff = diffChatroom(before, after);
    expect(diff.changes).toEqual(['PARTICIPANTS_JOINED', 'PARTICIPANTS_LEFT']);
    expect(diff.participantsJoined.map((p) => p.displayName)).toEqual(['Newcomer']);
    expect(diff.participantsLeft.map((p) => p.displayName)).toEqual(['Second']);
  });

  it('counts a participant the vendor flags deleted as left, and one restored as joined', () => {
    const before = iwerpRoom();
    const flagged = iwerpRoom((p) => (p.participants[1].deleted = true));
    const diff = diffChatroom(before, flagged);
    expect(diff.changes).toEqual(['PARTICIPANTS_LEFT']);
    expect(diff.participantsLeft).toMatchObject([{ providerId: '43', deleted: true }]);
    expect(diffChatroom(flagged, before)).toMatchObject({ changes: ['PARTICIPANTS_JOINED'], participantsJoined: [{ providerId: '43' }] });
  });

  it("tells a participant's own change from their read mark", () => {
    const before = iwerpRoom();
    expect(diffChatroom(before, iwerpRoom((p) => (p.participants[1].is_muted = false))).changes).toEqual(['PARTICIPANT_UPDATED']);
    expect(diffChatroom(before, iwerpRoom((p) => (p.participants[1].last_read_at = '2025-06-01T00:00:00Z'))).changes).toEqual([
      'READ_MARKS',
    ]);
  });

  it('reports Popsell presence, rating, summary and new activity', () => {
    const before = popsellRoom();
    expect(diffChatroom(before, popsellRoom((p) => (p.ambassadors[0].online = false))).changes).toEqual(['PRESENCE']);
    expect(diffChatroom(before, popsellRoom((p) => (p.last_rating.value = 3))).changes).toEqual(['RATING']);
    expect(diffChatroom(before, popsellRoom((p) => (p.last_summary.summary = 'new'))).changes).toEqual(['SUMMARY']);
    expect(diffChatroom(before, popsellRoom((p) => (p.last_message_date = '2024-01-01T00:00:00Z'))).changes).toEqual([
      'NEW_ACTIVITY',
    ]);
    const blocked = diffChatroom(before, popsellRoom((p) => (p.ambassadors[0].chatroom_pivot_data[0].is_blocked = false)));
    expect(blocked.changes).toEqual(['PARTICIPANT_UPDATED']);
    const read = diffChatroom(before, popsellRoom((p) => (p.ambassadors[0].chatroom_pivot_data[0].last_read_message = 43)));
    expect(read.changes).toEqual(['READ_MARKS']);
  });

  it('reports a scheduled deletion and a deletion', () => {
    const room = (edit: (p: Record<string, any>) => void) => {
      const payload = seed('messenger-chatroom');
      edit(payload);
      return messenger.mapChatroom(payload as never);
    };
    const before = room(() => {});
    expect(diffChatroom(before, room((p) => (p.scheduledDeletion = '2030-01-01T00:00:00Z'))).changes).toEqual(['SCHEDULED_DELETION']);
    expect(diffChatroom(iwerpRoom(), iwerpRoom((p) => (p.deleted = true))).changes).toEqual(['DELETED']);
    // Undeleted is not a deletion.
    expect(diffChatroom(iwerpRoom((p) => (p.deleted = true)), iwerpRoom()).changes).toEqual(['OTHER']);
  });

  it('diffs two states once: the poll that found the change and each subscriber share the result', () => {
    const before = iwerpRoom();
    const after = iwerpRoom((p) => (p.name = 'Renamed'));
    const first = diffChatroom(before, after);
    expect(diffChatroom(before, after)).toBe(first);
    // Another state after the same one is diffed anew, and is then the one remembered.
    const other = iwerpRoom((p) => (p.last_read_at = '2025-05-05T00:00:00Z'));
    expect(diffChatroom(before, other).changes).toEqual(['READ_MARKS']);
    expect(diffChatroom(before, after)).not.toBe(first);
    expect(diffChatroom(before, after)).toEqual(first);
  });

  it('ignores the order of participants', () => {
    const reordered = iwerpRoom((p) => p.participants.reverse());
    expect(diffChatroom(iwerpRoom(), reordered).changes).toEqual([]);
  });

  describe('participants the vendor flags deleted (shown with participants(includeDeleted: true))', () => {
    const withDeleted = (edit: (payload: Record<string, any>) => void = () => {}) =>
      iwerpRoom((p) => {
        p.participants.push({ ...p.participants[0], id: 45, name: 'Gone A', deleted: true });
        p.participants.push({ ...p.participants[0], id: 46, name: 'Gone B', deleted: true });
        edit(p);
      });

    it('ignores their order too (a reviewer found it counted as OTHER, and an event sent)', () => {
      const reordered = withDeleted((p) => p.participants.reverse());
      expect(diffChatroom(withDeleted(), reordered).changes).toEqual([]);
      const resource = chatroomResource({} as never, { provider: 'IWERP', providerId: '1', brandId: null });
      expect(resource.same(withDeleted(), reordered)).toBe(true);
    });

    it('lists their own changes as OTHER, with whatever other kinds apply', () => {
      const renamed = withDeleted((p) => (p.participants[2].name = 'Gone A, renamed'));
      expect(diffChatroom(withDeleted(), renamed).changes).toEqual(['OTHER']);
      const both = withDeleted((p) => {
        p.name = 'Renamed room';
        p.participants[2].name = 'Gone A, renamed';
      });
      expect(diffChatroom(withDeleted(), both).changes).toEqual(['RENAMED', 'OTHER']);
      // One gone from the list altogether, or one listed already deleted, changes that view too.
      expect(diffChatroom(withDeleted(), withDeleted((p) => p.participants.pop())).changes).toEqual(['OTHER']);
    });

    it('reports one becoming deleted as left, and one coming back as joined, not as OTHER', () => {
      const flagged = withDeleted((p) => (p.participants[1].deleted = true));
      expect(diffChatroom(withDeleted(), flagged).changes).toEqual(['PARTICIPANTS_LEFT']);
      expect(diffChatroom(flagged, withDeleted()).changes).toEqual(['PARTICIPANTS_JOINED']);
    });
  });
});

describe('diffMessage', () => {
  it('finds nothing between two reads of the same message', () => {
    expect(diffMessage(message(), message())).toEqual([]);
  });

  it('names each change', () => {
    const before = message();
    expect(diffMessage(before, message((m) => (m.message_text = 'edited')))).toEqual(['EDITED']);
    expect(diffMessage(before, message((m) => (m.reactions[0].emoji = '🎉')))).toEqual(['REACTIONS']);
    expect(diffMessage(before, message((m) => m.reactions.push({ ...m.reactions[0], id: 43 })))).toEqual(['REACTIONS']);
    expect(diffMessage(before, message((m) => (m.completed = false)))).toEqual(['COMPLETED']);
    expect(diffMessage(before, message((m) => (m.attachments = [])))).toEqual(['ATTACHMENTS']);
    expect(diffMessage(before, message((m) => (m.deleted = true)))).toEqual(['DELETED']);
    expect(diffMessage(before, message((m) => (m.updated = '2026-01-01T00:00:00Z')))).toEqual(['OTHER']);
    expect(diffMessage(before, message((m) => ((m.message_text = 'x'), (m.completed = false))))).toEqual(['EDITED', 'COMPLETED']);
  });
});

describe('diffChatroomList', () => {
  const list = (...rooms: [number, string][]) =>
    rooms.map(([id, name]) => messenger.mapChatroom({ ...seed('messenger-chatroom'), id, name } as never));

  it('finds nothing in the same list, in any order', () => {
    expect(diffChatroomList(list([1, 'a'], [2, 'b']), list([2, 'b'], [1, 'a']))).toEqual({ added: [], removed: [], changed: [] });
  });

  it('says what was added, removed and changed', () => {
    const diff = diffChatroomList(list([1, 'a'], [2, 'b']), list([2, 'B'], [3, 'c']));
    expect(diff.added.map((r) => r.providerId)).toEqual(['3']);
    expect(diff.removed.map((r) => r.providerId)).toEqual(['1']);
    expect(diff.changed.map((r) => r.name)).toEqual(['B']);
  });

  it('does not count a room whose participants only come in another order as changed (a reviewer\'s finding)', () => {
    const room = (users: number[]) => messenger.mapChatroom({ ...seed('messenger-chatroom'), id: 1, name: 'a', assignedUsers: users } as never);
    expect(diffChatroom(room([1, 2, 3]), room([3, 2, 1])).changes).toEqual([]);
    expect(diffChatroomList([room([1, 2, 3])], [room([3, 2, 1])]).changed).toEqual([]);
    const resource = chatroomListResource({} as never, 7, 100);
    expect(resource.same({ chatrooms: [room([1, 2, 3])], total: 1 }, { chatrooms: [room([3, 2, 1])], total: 1 })).toBe(true);
  });

  it('counts a room the vendor flags deleted as removed', () => {
    const [room] = list([1, 'a']) as [Chatroom];
    const diff = diffChatroomList([room], [{ ...room, deleted: true }]);
    expect(diff.removed.map((r) => r.providerId)).toEqual(['1']);
  });
});

describe('sameValue', () => {
  it('compares dates by time and objects deeply', () => {
    expect(sameValue(new Date(1), new Date(1))).toBe(true);
    expect(sameValue(new Date(1), new Date(2))).toBe(false);
    expect(sameValue({ a: [1, { b: null }] }, { a: [1, { b: null }] })).toBe(true);
    expect(sameValue({ a: [1] }, { a: [1, 2] })).toBe(false);
    expect(sameValue({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(sameValue(null, {})).toBe(false);
  });
});
