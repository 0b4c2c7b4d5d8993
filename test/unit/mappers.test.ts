import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileValidators } from '../../src/http/validation.js';
import * as iwerp from '../../src/upstreams/iwerp/mapper.js';
import { componentSchemas as iwerpSchemas } from '../../src/upstreams/iwerp/openapi.gen.js';
import * as messenger from '../../src/upstreams/messenger/mapper.js';
import { componentSchemas as messengerSchemas } from '../../src/upstreams/messenger/openapi.gen.js';
import * as popsell from '../../src/upstreams/popsell/mapper.js';
import { componentSchemas as popsellSchemas } from '../../src/upstreams/popsell/openapi.gen.js';

const seed = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`../fixtures/seeds/${name}.json`, import.meta.url), 'utf8')) as T;

describe('the seed examples pass the response validators', () => {
  it.each([
    ['iwerp', iwerpSchemas, 'Chatroom', 'iwerp-chatroom'],
    ['iwerp', iwerpSchemas, 'ChatroomMessage', 'iwerp-message'],
    ['popsell', popsellSchemas, 'Chatroom', 'popsell-chatroom'],
    ['messenger', messengerSchemas, 'Chatroom', 'messenger-chatroom'],
    ['messenger', messengerSchemas, 'ChatroomList', 'messenger-chatrooms'],
  ])('%s %s', (vendor, schemas, schema, file) => {
    const validate = compileValidators(vendor, schemas)(schema);
    expect(validate(seed(file)), JSON.stringify(validate.errors)).toBe(true);
  });

  it('rejects a payload of the wrong shape', () => {
    const validate = compileValidators('iwerp', iwerpSchemas)('Chatroom');
    expect(validate({ id: '42' })).toBe(false);
    expect(validate({ id: 42, created: 'yesterday' })).toBe(false);
    expect(validate({ id: 42, participants: [{ id: 1, room_admin: 'yes' }] })).toBe(false);
  });
});

describe('IW-ERP mapper', () => {
  const room = iwerp.mapChatroom(seed('iwerp-chatroom'));
  const message = iwerp.mapMessage(seed('iwerp-message'));

  it('maps the seed chatroom', () => {
    expect(room).toMatchObject({
      provider: 'IWERP',
      providerId: '42',
      name: 'string',
      imageUrl: 'string',
      kind: 'UNKNOWN',
      deleted: true,
      complete: true,
    });
    expect(room.createdAt?.toISOString()).toBe('2025-05-04T09:42:00.000Z');
    expect(room.lastReadAt?.toISOString()).toBe('2025-05-04T09:42:00.000Z');
    expect(room.participants).toHaveLength(1);
    expect(room.participants[0]).toMatchObject({
      typename: 'IwerpParticipant',
      providerId: '42',
      displayName: 'string',
      firstName: 'string',
      isAdmin: true,
      canWrite: true,
      isMuted: true,
      deleted: true,
      chatroom: { provider: 'IWERP', providerId: '42' },
    });
  });

  it('keeps secrets apart from the fields the schema exposes by default', () => {
    expect(room.secrets).toEqual({ token: 'string', notificationToken: 'string' });
    expect(room.participants[0]).toMatchObject({ secrets: { aiPrompt: 'string', aiAutoCloseSecretWord: 'string' } });
  });

  it('maps the seed message with chatroom and participant stubs', () => {
    expect(message).toMatchObject({
      typename: 'Message',
      providerId: '42',
      text: 'string',
      completed: true,
      deleted: true,
      chatroom: { complete: false, providerId: '42', name: 'string', kind: 'UNKNOWN' },
      author: { complete: false, providerId: '42', displayName: 'string', chatroom: { providerId: '42' } },
    });
    expect(message.attachments[0]).toMatchObject({ providerId: '42', size: null, mimeType: 'string', createdBy: 'string' });
    expect(message.reactions[0]).toMatchObject({ providerId: '42', messageId: '42', emoji: 'string', deleted: true });
  });

  it('reads filesize as whole bytes or null', () => {
    expect(iwerp.parseFilesize('2048')).toBe(2048);
    expect(iwerp.parseFilesize(' 10 ')).toBe(10);
    expect(iwerp.parseFilesize('1.5')).toBeNull();
    expect(iwerp.parseFilesize('2 KB')).toBeNull();
    expect(iwerp.parseFilesize('')).toBeNull();
    expect(iwerp.parseFilesize(null)).toBeNull();
    expect(iwerp.parseFilesize('-5')).toBeNull();
    // GraphQL Int is 32-bit: a size beyond it cannot be sent truthfully.
    expect(iwerp.parseFilesize('3000000000')).toBeNull();
  });

  it('applies the display-name rule: name, nickname, first and last, fallback', () => {
    const ref = { provider: 'IWERP' as const, providerId: '1', brandId: null };
    const base = { id: 5, name: null, nickname: null, first_name: null, last_name: null };
    expect(iwerp.mapParticipant({ ...base, name: 'Display' , nickname: 'nick' }, ref).displayName).toBe('Display');
    expect(iwerp.mapParticipant({ ...base, nickname: 'nick', first_name: 'A' }, ref).displayName).toBe('nick');
    expect(iwerp.mapParticipant({ ...base, first_name: 'Ada', last_name: 'Lovelace' }, ref).displayName).toBe('Ada Lovelace');
    expect(iwerp.mapParticipant({ ...base, last_name: 'Lovelace' }, ref).displayName).toBe('Lovelace');
    expect(iwerp.mapParticipant({ ...base, name: '  ' }, ref).displayName).toBe('User 5');
  });

  it('leaves a stub without a name undecided, so the full participant decides', () => {
    const m = iwerp.mapMessage({ ...seed<iwerp.IwerpMessagePayload>('iwerp-message'), participant: { id: 7, name: null } });
    expect(m.author?.displayName).toBeNull();
  });

  it('converts offsets to UTC', () => {
    const r = iwerp.mapChatroom({ id: 1, created: '2025-05-04T11:42:00+02:00', updated: '2025-05-04T09:42:00.123456Z' });
    expect(r.createdAt?.toISOString()).toBe('2025-05-04T09:42:00.000Z');
    expect(r.updatedAt?.toISOString()).toBe('2025-05-04T09:42:00.123Z');
  });
});

describe('Popsell mapper', () => {
  const payload = seed<popsell.PopsellChatroomPayload>('popsell-chatroom');
  const room = popsell.mapChatroom(payload, 3);

  it('maps the seed chatroom with its quirks', () => {
    expect(room).toMatchObject({
      provider: 'POPSELL',
      providerId: '8',
      brandId: 3,
      kind: 'DIRECT',
      discussionType: 'MEMBERS_AND_EXTERNAL',
      source: 'HOT_LIST',
      establishedDialogue: true,
      lastRating: { value: 5, comment: 'Great ambassador' },
      lastSummary: { createdAt: null, summary: 'string', anomaly: 42, topic: 42 },
    });
    expect(room.createdAt?.toISOString()).toBe('2023-10-06T13:41:09.123Z');
    expect(room.lastMessageAt?.toISOString()).toBe('2023-10-06T13:41:09.123Z');
    expect(room.establishedDialogueAt?.toISOString()).toBe('2023-10-06T13:41:09.123Z');
  });

  it('maps ambassadors, with lastReadAt null and the pivot of this room only', () => {
    const [a] = room.participants;
    expect(a).toMatchObject({
      typename: 'Ambassador',
      providerId: '42',
      displayName: 'string string',
      lastReadAt: null,
      username: 'string',
      online: true,
      anonymized: true,
      secrets: { emailTmp: 'string' },
    });
    // The seed's pivot entry names room 42, not room 8: nothing of it applies here.
    expect(a).toMatchObject({ isBlocked: null, archived: null, lastReadMessageId: null });
    const own = popsell.mapChatroom(
      {
        id_chatroom: 8,
        ambassadors: [
          {
            id_ambassador: 1,
            chatroom_pivot_data: [
              { id_chatroom: 9, last_read_message: 1, is_blocked: true, archived: true },
              { id_chatroom: 8, last_read_message: 77, is_blocked: false, archived: false },
            ],
          },
        ],
      },
      1,
    );
    expect(own.participants[0]).toMatchObject({ isBlocked: false, archived: false, lastReadMessageId: '77' });
  });

  it('maps type_chatroom 0 → DIRECT, 7 → GROUP, anything else → UNKNOWN', () => {
    expect(popsell.mapChatroom({ id_chatroom: 1, type_chatroom: 7 }, 1).kind).toBe('GROUP');
    expect(popsell.mapChatroom({ id_chatroom: 1, type_chatroom: 3 }, 1).kind).toBe('UNKNOWN');
    expect(popsell.mapChatroom({ id_chatroom: 1 }, 1).kind).toBe('UNKNOWN');
  });

  it('reads source as an integer, a digit string or a name', () => {
    expect(popsell.mapSource(2)).toBe('HOT_LIST');
    expect(popsell.mapSource('1')).toBe('WAITING_LIST');
    expect(popsell.mapSource('direct')).toBe('DIRECT');
    expect(popsell.mapSource(9)).toBe('UNKNOWN');
    expect(popsell.mapSource(null)).toBeNull();
  });

  it('reads established_dialogue as a boolean or a zone-less date (UTC)', () => {
    expect(popsell.mapEstablishedDialogue(false)).toEqual({ establishedDialogue: false, establishedDialogueAt: null });
    expect(popsell.mapEstablishedDialogue('true').establishedDialogue).toBe(true);
    expect(popsell.mapEstablishedDialogue('2023-10-06 13:41:09.123').establishedDialogueAt?.toISOString()).toBe(
      '2023-10-06T13:41:09.123Z',
    );
    expect(popsell.mapEstablishedDialogue(null)).toEqual({ establishedDialogue: null, establishedDialogueAt: null });
  });
});

describe('Messenger mapper', () => {
  it('maps the seed chatroom; its unknown type is UNKNOWN', () => {
    expect(messenger.mapChatroom(seed('messenger-chatroom'))).toMatchObject({
      provider: 'MESSENGER',
      providerId: '0',
      name: 'string',
      kind: 'UNKNOWN',
      organizationId: 0,
      eventId: 0,
      scheduledDeletionAt: null,
      participants: [],
    });
  });

  it('maps custom/default/event and users as bare ids', () => {
    expect(messenger.mapKind('custom')).toBe('CUSTOM');
    expect(messenger.mapKind('default')).toBe('ORGANIZATION_DEFAULT');
    expect(messenger.mapKind('event')).toBe('EVENT');
    expect(messenger.mapKind('Event ')).toBe('EVENT');
    expect(messenger.mapKind('webinar')).toBe('UNKNOWN');
    const room = messenger.mapChatroom({ id: 3, type: 'custom', assignedUsers: [5], scheduledDeletion: '2026-01-01T00:00:00+01:00' });
    expect(room.participants[0]).toMatchObject({ typename: 'MessengerUser', providerId: '5', displayName: 'User 5' });
    expect(room.scheduledDeletionAt?.toISOString()).toBe('2025-12-31T23:00:00.000Z');
  });

  it('turns integers beyond GraphQL Int into null, not an error', () => {
    const room = messenger.mapChatroom({ id: 1, organizationID: 5_000_000_000, eventID: -1 });
    expect(room).toMatchObject({ organizationId: null, eventId: -1 });
    expect(messenger.mapChatroomList({ entries: [], total: 2 ** 31 }).total).toBeNull();
  });

  it('maps a list and its total', () => {
    const page = messenger.mapChatroomList({ entries: [{ id: 1 }, { id: 2 }], total: 40 });
    expect(page.total).toBe(40);
    expect(page.chatrooms.map((c) => c.providerId)).toEqual(['1', '2']);
  });
});
