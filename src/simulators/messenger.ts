/**
 * Demo Messenger chat service on the contract's default paths. `API-TOKEN` (organization scope)
 * or `Personal-Access-Token` (acting as user 7) required, 401 without; listing without an
 * organization is a user request, which an API-TOKEN may not make (403, as the document says).
 * `limit` outside 1..50 or a negative offset is 400. Seed: organization 1 holds 36 chatrooms (1 is
 * its default room, 2–7 event rooms for events 101–106, the rest custom), organization 2 holds
 * 37–41. State lives in the instance: each simulator starts from the same seed.
 */
import type { components } from '../upstreams/messenger/openapi.gen.js';
import { json, type SimulatorHandler, type SimulatorRequest } from './server.js';

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
  return rooms;
}

const intParam = (req: SimulatorRequest, name: string) => {
  const raw = req.query.get(name);
  return raw !== null && /^-?\d+$/.test(raw) ? Number(raw) : raw === null ? undefined : Number.NaN;
};

export function createMessengerSimulator(): SimulatorHandler {
  const rooms = seed();
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

  return (req) => {
    if (!req.headers['api-token'] && !req.headers['personal-access-token']) {
      return json(401, { message: 'Unauthorized.' });
    }
    const [resource, id, ...rest] = req.segments;
    if (req.method === 'GET' && resource === 'chatrooms' && id === undefined) return list(req);
    if (resource !== 'chatroom') return json(404, { message: 'Not found.' });
    if (req.method === 'GET' && id === undefined) {
      const org = intParam(req, 'organization_id');
      const event = intParam(req, 'event_id');
      if (org === undefined || event === undefined || Number.isNaN(org) || Number.isNaN(event)) {
        return json(400, { message: 'organization_id and event_id are required integers.' });
      }
      const room = byOrganization(org).find((r) => r.type === 'event' && r.eventID === event);
      return room ? json(200, room) : json(404, { message: 'Chatroom not found.' });
    }
    if (req.method === 'GET' && id !== undefined && rest.length === 0) {
      const room = /^\d+$/.test(id) ? rooms.get(Number(id)) : undefined;
      return room ? json(200, room) : json(404, { message: 'Chatroom not found.' });
    }
    return json(404, { message: 'Not found.' });
  };
}
