/**
 * The vendor resources a subscription or a @live query can watch, read through the adapters (so
 * through the vendor door: deadlines, retries, breaker, metrics), never around them, in the door's
 * poll lane, behind queries' own reads. Each names
 * itself by what the vendor is asked for, so every subscriber of one room with one credential
 * shares one pair, whichever field or query brought them.
 */
import type { Adapters } from '../context.js';
import type { Chatroom, ChatroomPage, ChatroomRef, Message } from '../model/chat.js';
import type { Provider } from '../model/provider.js';
import type { ChatAdapter } from '../upstreams/adapter.js';
import type { MessengerAdapter } from '../upstreams/messenger/index.js';
import { diffChatroom, diffChatroomList, diffMessage, sameValue } from './diff.js';
import type { LiveResource } from './registry.js';

export const chatroomResourceKey = (ref: ChatroomRef) => `chatroom|${ref.brandId ?? ''}|${ref.providerId}`;
export const messageResourceKey = (providerId: string) => `message|${providerId}`;

export const chatroomResource = (adapter: ChatAdapter, ref: ChatroomRef): LiveResource<Chatroom> => ({
  provider: ref.provider,
  key: chatroomResourceKey(ref),
  fetch: (credentials, signal) => adapter.getChatroom(ref, credentials, { signal, priority: 'poll' }),
  // Most polls find the room as it was: a deep comparison settles those without building a diff.
  same: (a, b) => sameValue(a, b) || diffChatroom(a, b).changes.length === 0,
});

export const messageResource = (adapter: ChatAdapter, provider: Provider, providerId: string): LiveResource<Message> => ({
  provider,
  key: messageResourceKey(providerId),
  fetch: (credentials, signal) => adapter.getMessage(providerId, credentials, { signal, priority: 'poll' }),
  same: (a, b) => sameValue(a, b) || diffMessage(a, b).length === 0,
});

/**
 * A Messenger organization's chatrooms, or the caller's own when `organizationId` is null. An
 * organization's list is read as its first `maxRooms` (MAX_PAGE_SIZE; the adapter reads them in
 * parallel vendor pages of 50); the caller's own list comes whole (the vendor does not page it).
 */
export const chatroomListResource = (
  adapter: MessengerAdapter,
  organizationId: number | null,
  maxRooms: number,
): LiveResource<ChatroomPage> => ({
  provider: 'MESSENGER',
  key: organizationId === null ? 'chatrooms|assigned' : `chatrooms|organization|${organizationId}`,
  fetch: (credentials, signal) =>
    organizationId === null
      ? adapter.listAssignedChatrooms(credentials, { signal, priority: 'poll' })
      : adapter.listOrganizationChatrooms(organizationId, { offset: 0, limit: maxRooms }, credentials, { signal, priority: 'poll' }),
  same: (a, b) => {
    const diff = diffChatroomList(a.chatrooms, b.chatrooms);
    return a.total === b.total && !diff.added.length && !diff.removed.length && !diff.changed.length;
  },
});

/**
 * The resource a key names (the inverse of the functions above), for the poll worker
 * (pollWorker.ts), which is told a pair's vendor and key and reads it with its own adapters.
 * Keys are made on the main thread by the functions above, never taken from a client.
 */
export function resourceOf(adapters: Adapters, provider: Provider, key: string, maxRooms: number): LiveResource<unknown> {
  const [kind = '', first = '', ...rest] = key.split('|');
  if (kind === 'chatroom') {
    return chatroomResource(adapters[provider], { provider, brandId: first === '' ? null : Number(first), providerId: rest.join('|') }) as LiveResource<unknown>;
  }
  if (kind === 'message') return messageResource(adapters[provider], provider, [first, ...rest].join('|')) as LiveResource<unknown>;
  if (kind === 'chatrooms' && provider === 'MESSENGER') {
    if (first === 'assigned' && !rest.length) return chatroomListResource(adapters.MESSENGER, null, maxRooms) as LiveResource<unknown>;
    if (first === 'organization' && /^\d+$/.test(rest.join('|'))) return chatroomListResource(adapters.MESSENGER, Number(rest[0]), maxRooms) as LiveResource<unknown>;
  }
  throw new Error(`No live resource is named "${key}" at ${provider}.`);
}
