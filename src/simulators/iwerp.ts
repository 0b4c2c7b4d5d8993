/**
 * Demo IW-ERP chat: GET /api/chat/chatroom/{identifier} and /api/chat/chatroom_message/{identifier},
 * `x-session-token` required (401 without, or when it starts with "revoked"), chatroom 5 is
 * private (403), unknown ids 404.
 * Seed: chatrooms 1–5; room 1 holds messages 1–20, room 2 messages 21–30. The payloads keep the
 * vendor's quirks: filesize as a string (not always a whole number), timestamps with offsets.
 * Each simulator starts from the same seed; demo activity and the benchmark change its state.
 */
import type { components } from '../upstreams/iwerp/openapi.gen.js';
import { REVOKED, json, type SimulatorHandler } from './server.js';

type Schemas = components['schemas'];

const PEOPLE = [
  { first: 'Anna', last: 'Berg', nickname: 'anni', name: 'Anna Berg' },
  { first: 'Ben', last: 'Cole', nickname: null, name: 'Ben Cole' },
  { first: 'Chiara', last: 'Dietz', nickname: 'chia', name: null },
  { first: null, last: null, nickname: null, name: null },
  { first: 'Emre', last: 'Fink', nickname: null, name: 'Emre Fink' },
  { first: 'Frieda', last: 'Gross', nickname: null, name: 'Frieda Gross' },
];

const ROOM_NAMES = ['Project Apollo', 'Support', 'Sales team', 'Board', 'Private'];

/** Deterministic timestamps: a few minutes apart, some with an offset as the vendor sends them. */
const at = (minutes: number, offset = false) => {
  const date = new Date(Date.UTC(2025, 4, 4, 9, 42) + minutes * 60_000);
  if (!offset) return date.toISOString().replace('.000Z', 'Z');
  const local = new Date(date.getTime() + 2 * 3_600_000).toISOString().slice(0, 19);
  return `${local}+02:00`;
};

function participant(roomId: number, index: number): Schemas['Participant'] {
  const person = PEOPLE[index % PEOPLE.length]!;
  const id = roomId * 100 + index + 1;
  return {
    id,
    participant_type: index === 4 ? 'bot' : 'user',
    first_name: person.first,
    last_name: person.last,
    nickname: person.nickname,
    preferred_color_hex: `#${(0x336699 + id * 4099).toString(16).slice(-6)}`,
    avatar_token: `avatar-${id}`,
    last_read_at: at(index * 7, index % 2 === 1),
    room_admin: index === 0,
    can_write: index !== 3,
    is_muted: index === 2,
    auto_created: index === 4,
    auto_reply: index === 4,
    ai_auto_close_secret_word: index === 4 ? 'finish-now' : null,
    ai_prompt: index === 4 ? 'You are a helpful assistant.' : null,
    ai_number_of_context_messages: index === 4 ? 10 : null,
    created: at(-1000 + index),
    updated: at(-500 + index, true),
    // The last participant of every room has left it.
    deleted: index === 5,
    name: person.name,
    image_url: `https://images.example.test/iwerp/participants/${id}.png`,
  };
}

function chatroom(id: number): Schemas['Chatroom'] {
  return {
    id,
    token: `room-token-${id}`,
    notification_token: `notify-${id}`,
    participants: Array.from({ length: 6 }, (_, i) => participant(id, i)),
    last_read_at: at(60 * id),
    created: at(-2000 - id),
    updated: at(30 * id, true),
    deleted: false,
    name: ROOM_NAMES[id - 1] ?? `Room ${id}`,
    image_url: `https://images.example.test/iwerp/chatrooms/${id}.png`,
  };
}

export const stubOf = (full: { id: number; created?: string | null; updated?: string | null; deleted?: boolean | null; name?: string | null; image_url?: string | null }): Schemas['Stub'] => ({
  id: full.id,
  created: full.created ?? null,
  updated: full.updated ?? null,
  deleted: full.deleted ?? false,
  name: full.name ?? null,
  image_url: full.image_url ?? null,
});

const FILESIZES = ['2048', '1.5', '73400320', 'unknown'];

function message(id: number, room: Schemas['Chatroom']): Schemas['ChatroomMessage'] {
  const people = room.participants ?? [];
  const author = people[id % 5]!;
  const reactor = people[(id + 1) % 5]!;
  return {
    id,
    chatroom: stubOf(room),
    participant: stubOf(author),
    message_text: `Message ${id} in ${room.name}`,
    attachments:
      id % 3 === 0
        ? [
            {
              id: id * 10,
              filename: `report-${id}.pdf`,
              filesize: FILESIZES[id % FILESIZES.length]!,
              mimetype: 'application/pdf',
              createdbyusername: `${author.first_name ?? 'user'}`.toLowerCase(),
              created: at(id),
              googleid: `g-${id}`,
              scope: 'chat',
            },
          ]
        : [],
    reactions: [
      {
        id: id * 10 + 1,
        emoji: '👍',
        participant: stubOf(reactor),
        created: at(id + 1),
        updated: at(id + 1),
        image_url: null,
        deleted: false,
      },
      {
        id: id * 10 + 2,
        emoji: '🎉',
        participant: stubOf(author),
        created: at(id + 2),
        updated: at(id + 3),
        image_url: null,
        deleted: true,
      },
    ],
    completed: id % 4 === 0,
    created: at(id, id % 2 === 0),
    updated: at(id + 1),
    deleted: false,
  };
}

/** Chatroom 5 exists but the demo session may not see it. */
const PRIVATE_CHATROOM = 5;

/** What the demo IW-ERP holds; demo activity and the benchmark change it, tests read it. */
export interface IwerpState {
  chatrooms: Map<number, Schemas['Chatroom']>;
  messages: Map<number, Schemas['ChatroomMessage']>;
}

function seed(): IwerpState {
  const chatrooms = new Map(Array.from({ length: 5 }, (_, i) => [i + 1, chatroom(i + 1)]));
  const messages = new Map(
    Array.from({ length: 30 }, (_, i) => {
      const id = i + 1;
      return [id, message(id, chatrooms.get(id <= 20 ? 1 : 2)!)];
    }),
  );
  return { chatrooms, messages };
}

/**
 * A message as the vendor sends it: its chatroom and author stubs show their current state, as
 * a message read after a rename shows the new name.
 */
function withCurrentStubs(found: Schemas['ChatroomMessage'], state: IwerpState): Schemas['ChatroomMessage'] {
  const room = state.chatrooms.get(found.chatroom?.id ?? Number.NaN);
  if (!room) return found;
  const author = room.participants?.find((p) => p.id === found.participant?.id);
  return { ...found, chatroom: stubOf(room), participant: author ? stubOf(author) : found.participant };
}

export function createIwerpSimulator(): { handle: SimulatorHandler; state: IwerpState } {
  const state = seed();
  const handle: SimulatorHandler = (req) => {
    const token = req.headers['x-session-token'];
    if (typeof token !== 'string' || token === '' || token.startsWith(REVOKED)) return json(401, { message: 'Invalid session token.' });
    const [api, chat, resource, identifier, ...rest] = req.segments;
    if (req.method !== 'GET' || api !== 'api' || chat !== 'chat' || identifier === undefined || rest.length) {
      return json(404, { message: 'Not found.' });
    }
    const id = /^\d+$/.test(identifier) ? Number(identifier) : Number.NaN;
    if (resource === 'chatroom') {
      if (id === PRIVATE_CHATROOM) return json(403, { message: 'Forbidden.' });
      const room = state.chatrooms.get(id);
      return room ? json(200, room) : json(404, { message: 'Chatroom not found.' });
    }
    if (resource === 'chatroom_message') {
      const found = state.messages.get(id);
      return found ? json(200, withCurrentStubs(found, state)) : json(404, { message: 'Message not found.' });
    }
    return json(404, { message: 'Not found.' });
  };
  return { handle, state };
}
