/**
 * The benchmark scenarios: each a GraphQL operation, and the vendor calls a hand-written client
 * would make for the same data (the direct REST baseline), grouped in rounds that depend on each
 * other. The gateway's ideal latency is one vendor latency per round.
 */
import { encodeGlobalId } from '../src/model/globalId.js';
import type { ProviderKey } from '../src/model/provider.js';

export const HEADERS = {
  'x-session-token': 'bench-session',
  authorization: 'Bearer bench-popsell',
  'x-popsell-brand': '1',
  'api-token': 'bench-messenger',
};

/** The credentials of caller n of many: the simulators accept any, and no two callers share one. */
export const callerHeaders = (n: number) => ({
  'x-session-token': `bench-session-${n}`,
  authorization: `Bearer bench-popsell-${n}`,
  'api-token': `bench-messenger-${n}`,
});

/** What a vendor expects, per vendor, from the headers above. */
export const VENDOR_HEADERS: Record<ProviderKey, Record<string, string>> = {
  iwerp: { 'x-session-token': HEADERS['x-session-token'] },
  popsell: { authorization: HEADERS.authorization, 'x-popsell-brand': HEADERS['x-popsell-brand'] },
  messenger: { 'API-TOKEN': HEADERS['api-token'] },
};

export interface VendorCall {
  vendor: ProviderKey;
  path: string;
}

export interface Scenario {
  key: string;
  title: string;
  query: string;
  /** The direct client's calls: every call of a round in parallel, rounds one after another. */
  rounds: VendorCall[][];
}

const messages = Array.from({ length: 20 }, (_, i) => i + 1);

export const SCENARIOS: Scenario[] = [
  {
    key: 'a',
    title: 'one chatroom with participants',
    query: '{ chatroomByProviderId(provider: IWERP, providerId: "1") { id name participants { id displayName firstName lastName avatarUrl isAdmin } } }',
    rounds: [[{ vendor: 'iwerp', path: '/api/chat/chatroom/1' }]],
  },
  {
    key: 'b',
    title: 'a message asking only stub fields',
    query: '{ messageByProviderId(provider: IWERP, providerId: "1") { id text chatroom { id name imageUrl } author { id displayName avatarUrl } } }',
    rounds: [[{ vendor: 'iwerp', path: '/api/chat/chatroom_message/1' }]],
  },
  {
    key: 'c',
    title: "20 messages of one room with the room's participants",
    query: `{ ${messages
      .map((id) => `m${id}: messageByProviderId(provider: IWERP, providerId: "${id}") { text author { displayName } chatroom { participants { displayName } } }`)
      .join(' ')} }`,
    rounds: [
      messages.map((id) => ({ vendor: 'iwerp' as const, path: `/api/chat/chatroom_message/${id}` })),
      [{ vendor: 'iwerp', path: '/api/chat/chatroom/1' }],
    ],
  },
  {
    key: 'd',
    title: 'chatrooms(ids) over 30 rooms of all three vendors',
    query: `{ chatrooms(ids: [${[
      ...[1, 2, 3, 4].map((id) => encodeGlobalId('Chatroom', 'IWERP', { chatroom: String(id) })),
      ...Array.from({ length: 12 }, (_, i) => encodeGlobalId('Chatroom', 'POPSELL', { chatroom: String(i + 1), brand: '1' })),
      ...Array.from({ length: 14 }, (_, i) => encodeGlobalId('Chatroom', 'MESSENGER', { chatroom: String(i + 8) })),
    ]
      .map((id) => `"${id}"`)
      .join(', ')}]) { id name kind participants { displayName } } }`,
    rounds: [
      [
        ...[1, 2, 3, 4].map((id) => ({ vendor: 'iwerp' as const, path: `/api/chat/chatroom/${id}` })),
        ...Array.from({ length: 12 }, (_, i) => ({ vendor: 'popsell' as const, path: `/chat/chatrooms/${i + 1}` })),
        ...Array.from({ length: 14 }, (_, i) => ({ vendor: 'messenger' as const, path: `/chatroom/${i + 8}` })),
      ],
    ],
  },
  {
    key: 'e',
    title: 'organizationChatrooms(first: 100)',
    query: '{ organizationChatrooms(organizationId: 3, first: 100) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id name kind participants { displayName } } } } }',
    rounds: [
      [
        { vendor: 'messenger', path: '/chatrooms?organization_id=3&limit=50&offset=0' },
        { vendor: 'messenger', path: '/chatrooms?organization_id=3&limit=50&offset=50' },
      ],
    ],
  },
];
