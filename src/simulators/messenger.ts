/**
 * Demo Messenger chat service on the contract's default paths. `API-TOKEN` (organization scope)
 * or `Personal-Access-Token` (acting as user 7) required, 401 without or when revoked; listing without an
 * organization is a user request, which an API-TOKEN may not make (403, as the document says).
 * `limit` outside 1..50 or a negative offset is 400. Seed: organization 1 holds 36 chatrooms (1 is
 * its default room, 2–7 event rooms for events 101–106, the rest custom), organization 2 holds
 * 37–41, organization 3 holds 150 custom rooms (100–249). Writes change the instance's state (create, update, delete, default room, avatar, sent
 * messages), so what is written can be read back; each simulator starts from the same seed, which
 * demo activity and the benchmark change too.
 */
import type { components } from '../upstreams/messenger/openapi.gen.js';
import { REVOKED, json, type SimulatorHandler, type SimulatorRequest } from './server.js';

type Room = components['schemas']['Chatroom'];

/** The user a Personal-Access-Token acts as in demo mode. */
export const DEMO_USER_ID = 7;

function seed(): Map<number, Room> {
  const rooms = new Map<number, Room>();
  const add = (id: number, organizationID: number, type: string, name: string, eventID = 0) =>
    rooms.set(id, {
      id,
      organizationID,
      type,
      name,
      eventID,
      avatarURL: type === 'custom' && id % 4 === 0 ? `https://images.example.test/messenger/${id}.png` : '',
      assignedUsers: [id % 5 + 1, id % 7 + 3, ...(id % 3 === 0 ? [DEMO_USER_ID] : [])].filter((u, i, all) => all.indexOf(u) === i),
      scheduledDeletion: null,
    });
  add(1, 1, 'default', 'Everyone');
  for (let id = 2; id <= 7; id++) add(id, 1, 'event', `Event ${id + 99}`, id + 99);
  for (let id = 8; id <= 36; id++) add(id, 1, 'custom', `Team ${id}`);
  add(37, 2, 'default', 'Everyone at org 2');
  for (let id = 38; id <= 41; id++) add(id, 2, 'custom', `Org 2 team ${id}`);
  // A large organization, for paging past the vendor's limit of 50 (and the benchmark).
  for (let id = 100; id < 250; id++) add(id, 3, 'custom', `Org 3 team ${id}`);
  return rooms;
}

const intParam = (req: SimulatorRequest, name: string) => {
  const raw = req.query.get(name);
  return raw !== null && /^-?\d+$/.test(raw) ? Number(raw) : raw === null ? undefined : Number.NaN;
};

/** What the demo Messenger holds; tests read it to see that a write took effect. */
export interface MessengerState {
  rooms: Map<number, Room>;
  sentMessages: { roomId: number; message: string }[];
  avatars: Map<number, { contentType: string; bytes: Buffer }>;
  /** The id of the next chatroom created, by a client or by demo activity. */
  nextId: number;
}

const ORGANIZATIONS = [1, 2, 3];

function parseJson(body: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Checks a create/update body as the document types it; returns an error message or the fields. */
function chatroomInput(body: Buffer, required: boolean) {
  const input = parseJson(body);
  if (!input) return 'The body must be a JSON object.';
  const { assignedUsers, name, organizationID } = input;
  if (assignedUsers !== undefined && !(Array.isArray(assignedUsers) && assignedUsers.every(Number.isSafeInteger))) {
    return 'assignedUsers must be an array of integers.';
  }
  if (name !== undefined && (typeof name !== 'string' || name.trim() === '')) return 'name must be a non-empty string.';
  if (organizationID !== undefined && !ORGANIZATIONS.includes(organizationID as number)) return 'Unknown organization.';
  if (required && (assignedUsers === undefined || name === undefined || organizationID === undefined)) {
    return 'assignedUsers, name and organizationID are required.';
  }
  return { assignedUsers: assignedUsers as number[] | undefined, name: name as string | undefined, organizationID: organizationID as number | undefined };
}

export function createMessengerSimulator(): { handle: SimulatorHandler; state: MessengerState } {
  const rooms = seed();
  const state: MessengerState = { rooms, sentMessages: [], avatars: new Map(), nextId: Math.max(...rooms.keys()) + 1 };
  const byOrganization = (org: number) => [...rooms.values()].filter((r) => r.organizationID === org);

  function list(req: SimulatorRequest) {
    const all = req.query.get('all') === 'true';
    const org = intParam(req, 'organization_id');
    const limit = intParam(req, 'limit') ?? 10;
    const offset = intParam(req, 'offset') ?? 0;
    if (Number.isNaN(org)) return json(400, { message: 'organization_id must be an integer.' });
    if (!all && (!(limit >= 1 && limit <= 50) || !(offset >= 0))) {
      return json(400, { message: 'limit must be 1..50 and offset at least 0.' });
    }
    let entries: Room[];
    if (org === undefined) {
      if (!req.headers['personal-access-token']) return json(403, { message: 'Requests regarding users need a personal access token.' });
      entries = [...rooms.values()].filter((r) => r.assignedUsers?.includes(DEMO_USER_ID));
    } else {
      entries = byOrganization(org);
    }
    const total = entries.length;
    return json(200, { entries: all ? entries : entries.slice(offset, offset + limit), total });
  }

  function create(req: SimulatorRequest) {
    const input = chatroomInput(req.body, true);
    if (typeof input === 'string') return json(400, { message: input });
    const room: Room = {
      id: state.nextId++,
      organizationID: input.organizationID!,
      type: 'custom',
      name: input.name!,
      eventID: 0,
      avatarURL: '',
      assignedUsers: input.assignedUsers!,
      scheduledDeletion: null,
    };
    rooms.set(room.id, room);
    return json(201, room);
  }

  function defaultRoom(req: SimulatorRequest, orgSegment: string) {
    const org = /^\d+$/.test(orgSegment) ? Number(orgSegment) : Number.NaN;
    if (!ORGANIZATIONS.includes(org)) return json(404, { message: 'Unknown organization.' });
    const existing = byOrganization(org).find((r) => r.type === 'default');
    if (req.method === 'DELETE') {
      if (!existing) return json(404, { message: 'The organization has no default chatroom.' });
      rooms.delete(existing.id);
      return json(204);
    }
    if (existing) return json(409, { message: 'The organization already has a default chatroom.' });
    const room: Room = { id: state.nextId++, organizationID: org, type: 'default', name: 'Everyone', eventID: 0, avatarURL: '', assignedUsers: [], scheduledDeletion: null };
    rooms.set(room.id, room);
    return json(201, room);
  }

  /** Writes on one room; update, delete and avatar need a custom room, as the document says. */
  function roomWrite(req: SimulatorRequest, room: Room, sub: string | undefined) {
    if (req.method === 'POST' && sub === 'message') {
      const message = parseJson(req.body)?.message;
      if (typeof message !== 'string' || message.trim() === '') return json(400, { message: 'message must be a non-empty string.' });
      state.sentMessages.push({ roomId: room.id, message });
      // Demo mode runs for days: the record keeps the latest messages only.
      if (state.sentMessages.length > 1000) state.sentMessages.shift();
      return json(204);
    }
    if (room.type !== 'custom') return json(403, { message: 'Only custom chatrooms can be changed.' });
    if (req.method === 'PUT' && sub === 'avatar') {
      if (req.body.length === 0) {
        state.avatars.delete(room.id);
        room.avatarURL = '';
      } else {
        state.avatars.set(room.id, { contentType: String(req.headers['content-type']), bytes: req.body });
        room.avatarURL = `https://images.example.test/messenger/avatars/${room.id}-${req.body.length}`;
      }
      return json(204);
    }
    if (req.method === 'PUT' && sub === undefined) {
      const input = chatroomInput(req.body, false);
      if (typeof input === 'string') return json(400, { message: input });
      if (input.name !== undefined) room.name = input.name;
      if (input.assignedUsers !== undefined) room.assignedUsers = input.assignedUsers;
      return json(200, room);
    }
    if (req.method === 'DELETE' && sub === undefined) {
      rooms.delete(room.id);
      return json(204);
    }
    return json(404, { message: 'Not found.' });
  }

  const handle: SimulatorHandler = (req) => {
    const token = req.headers['api-token'] ?? req.headers['personal-access-token'];
    if (typeof token !== 'string' || token === '' || token.startsWith(REVOKED)) return json(401, { message: 'Unauthorized.' });
    const [resource, id, sub, ...rest] = req.segments;
    if (req.method === 'GET' && resource === 'chatrooms' && id === undefined) return list(req);
    if (resource !== 'chatroom' || rest.length) return json(404, { message: 'Not found.' });
    if (id === undefined) {
      if (req.method === 'POST') return create(req);
      if (req.method !== 'GET') return json(404, { message: 'Not found.' });
      const org = intParam(req, 'organization_id');
      const event = intParam(req, 'event_id');
      if (org === undefined || event === undefined || Number.isNaN(org) || Number.isNaN(event)) {
        return json(400, { message: 'organization_id and event_id are required integers.' });
      }
      const room = byOrganization(org).find((r) => r.type === 'event' && r.eventID === event);
      return room ? json(200, room) : json(404, { message: 'Chatroom not found.' });
    }
    if (id === 'default' && sub !== undefined && (req.method === 'POST' || req.method === 'DELETE')) return defaultRoom(req, sub);
    const room = /^\d+$/.test(id) ? rooms.get(Number(id)) : undefined;
    if (!room) return json(404, { message: 'Chatroom not found.' });
    if (req.method === 'GET' && sub === undefined) return json(200, room);
    return roomWrite(req, room, sub);
  };
  return { handle, state };
}
