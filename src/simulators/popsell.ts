/**
 * Demo Popsell: GET /chat/chatrooms/{id} under /api/v2, `Authorization: Bearer …` required (401
 * with {"message": "Unauthorized."}, also for a token starting with "revoked"), X-Popsell-Brand required and a whole number (403 without,
 * as the document's "You don't have permission to access this route"), rooms of another brand 404.
 * Seed: brand 1 holds chatrooms 1–12, brand 2 holds 1–3 with other data. The quirks stay: `source`
 * as an integer or a string, `established_dialogue` as "YYYY-MM-DD HH:MM:SS.mmm", microseconds.
 * Each simulator starts from the same seed; demo activity and the benchmark change its state.
 */
import type { components } from '../upstreams/popsell/openapi.gen.js';
import { REVOKED, json, type SimulatorHandler } from './server.js';

type Schemas = components['schemas'];

const AMBASSADORS = [
  { first: 'Lena', last: 'Maier', username: 'lena.m' },
  { first: 'Jonas', last: null, username: 'jonas' },
  { first: null, last: null, username: 'ghost42' },
  { first: null, last: null, username: null },
];

/** Popsell's timestamps carry microseconds: "2023-10-06T13:41:09.123000Z". */
export const popsellTime = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z');
const micro = (minutes: number) => popsellTime(Date.UTC(2023, 9, 6, 13, 41, 9, 123) + minutes * 60_000);
const noZone = (minutes: number) => micro(minutes).replace('T', ' ').slice(0, 23);

function ambassador(brand: number, room: number, index: number): Schemas['Ambassador'] {
  const person = AMBASSADORS[index % AMBASSADORS.length]!;
  const id = brand * 1000 + index + 1;
  return {
    id_ambassador: id,
    image: `https://images.example.test/popsell/${id}.jpg`,
    firstname: person.first,
    lastname: person.last,
    username: person.username,
    email: person.username ? `${person.username}@brand${brand}.example.test` : null,
    email_tmp: `pending-${id}@example.test`,
    active: 1,
    status: index,
    online: index === 0,
    last_action_date: micro(index * 3),
    customer_id: `C-${id}`,
    anonymized: person.username === null,
    // Pivot entries for several rooms: only the one of the room at hand applies.
    chatroom_pivot_data: [
      { id_chatroom: room + 100, id_ambassador: id, last_read_message: 1, is_blocked: true, archived: true },
      { id_chatroom: room, id_ambassador: id, last_read_message: room * 50 + index, is_blocked: index === 2, archived: false },
    ],
  };
}

function chatroom(brand: number, id: number): Schemas['Chatroom'] {
  return {
    id_chatroom: id,
    ambassadors: Array.from({ length: id % 2 === 0 ? 2 : 4 }, (_, i) => ambassador(brand, id, i)),
    date_insert: micro(-1000 * id),
    last_message_date: micro(id * 10),
    type_chatroom: id % 2 === 0 ? 0 : 7,
    type_discussion: id % 3,
    // The document types source as a string and sends an integer: both appear.
    source: id % 2 === 0 ? 2 : String(id % 3),
    established_dialogue: noZone(id),
    last_rating: { value: (id % 5) + 1, comment: brand === 1 ? 'Great ambassador' : 'Okay' },
    last_summary: { date_insert: id % 2 ? micro(id) : 'string', summary: `Summary of room ${id}`, anomaly: 0, topic: id },
  };
}

/** What the demo Popsell holds, chatrooms by brand; demo activity and the benchmark change it. */
export interface PopsellState {
  brands: Map<number, Map<number, Schemas['Chatroom']>>;
}

const seed = (): PopsellState => ({
  brands: new Map([
    [1, new Map(Array.from({ length: 12 }, (_, i) => [i + 1, chatroom(1, i + 1)]))],
    [2, new Map(Array.from({ length: 3 }, (_, i) => [i + 1, chatroom(2, i + 1)]))],
  ]),
});

export function createPopsellSimulator(): { handle: SimulatorHandler; state: PopsellState } {
  const state = seed();
  const handle: SimulatorHandler = (req) => {
    const authorization = req.headers.authorization ?? '';
    if (!/^Bearer \S+/.test(authorization) || authorization.startsWith(`Bearer ${REVOKED}`)) {
      return json(401, { message: 'Unauthorized.' });
    }
    const brandHeader = req.headers['x-popsell-brand'];
    if (typeof brandHeader !== 'string' || !/^\d+$/.test(brandHeader)) {
      return json(403, { message: "Forbidden - You don't have permission to access this route" });
    }
    const [chat, chatrooms, id, ...rest] = req.segments;
    if (req.method !== 'GET' || chat !== 'chat' || chatrooms !== 'chatrooms' || id === undefined || rest.length) {
      return json(404, { message: 'Not found.' });
    }
    const room = /^\d+$/.test(id) ? state.brands.get(Number(brandHeader))?.get(Number(id)) : undefined;
    return room ? json(200, room) : json(404, { message: 'Chatroom not found.' });
  };
  return { handle, state };
}
