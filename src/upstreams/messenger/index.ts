import type { MessengerPaths } from '../../config.js';
import type { Upstream } from '../../http/upstream.js';
import { expandPath } from '../../http/path.js';
import { compileValidators } from '../../http/validation.js';
import { GatewayError, unsupported } from '../../errors.js';
import type { Chatroom, ChatroomPage } from '../../model/chat.js';
import type { ChatAdapter, ReadOptions, ChatroomChanges } from '../adapter.js';
import { vendorId } from '../../model/globalId.js';
import { missingCredential, type Credentials } from '../credentials.js';
import {
  mapChatroom,
  mapChatroomList,
  type MessengerChatroomListPayload,
  type MessengerChatroomPayload,
} from './mapper.js';
import { componentSchemas } from './openapi.gen.js';

/** The vendor's page size range for GET /chatrooms (`limit` 1..50). */
export const MESSENGER_MAX_LIMIT = 50;

/** Splits `limit` items from `offset` into vendor pages of at most `max`, fetched in parallel. */
export function planPages(offset: number, limit: number, max = MESSENGER_MAX_LIMIT) {
  const pages: { offset: number; limit: number }[] = [];
  for (let start = offset; start < offset + limit; start += max) {
    pages.push({ offset: start, limit: Math.min(max, offset + limit - start) });
  }
  return pages;
}

export interface MessengerAdapter extends ChatAdapter {
  getEventChatroom(organizationId: number, eventId: number, credentials: Credentials, read?: ReadOptions): Promise<Chatroom>;
  /**
   * `limit` of an organization's chatrooms from `offset`: one vendor page, or parallel pages when
   * `limit` is over the vendor's 50; `total` as the vendor counts.
   */
  listOrganizationChatrooms(
    organizationId: number,
    page: { limit: number; offset: number },
    credentials: Credentials,
    read?: ReadOptions,
  ): Promise<ChatroomPage>;
  /**
   * The last `count` of an organization's chatrooms and the offset of the first: a first page tells
   * the total, and the tail is fetched only when that page did not already hold it.
   */
  listLastOrganizationChatrooms(
    organizationId: number,
    count: number,
    credentials: Credentials,
    read?: ReadOptions,
  ): Promise<ChatroomPage & { offset: number }>;
  /** All chatrooms assigned to the calling user (`all=true`: the vendor does not page these). */
  listAssignedChatrooms(credentials: Credentials, read?: ReadOptions): Promise<ChatroomPage>;
  createChatroom(
    input: { organizationId: number; name: string; assignedUserIds: number[] },
    credentials: Credentials,
  ): Promise<Chatroom>;
  createDefaultChatroom(organizationId: number, credentials: Credentials): Promise<Chatroom>;
  removeDefaultChatroom(organizationId: number, credentials: Credentials): Promise<void>;
}

/** Messenger: chatrooms of organizations, by id, by event and as lists; writes (see mutations). */
export function createMessengerAdapter(upstream: Upstream, paths: MessengerPaths): MessengerAdapter {
  const validator = compileValidators('messenger', componentSchemas);
  const validateChatroom = validator<MessengerChatroomPayload>('Chatroom');
  const validateList = validator<MessengerChatroomListPayload>('ChatroomList');

  function headers(credentials: Credentials): Record<string, string> {
    const messenger = credentials.messenger;
    if (!messenger) throw missingCredential('MESSENGER');
    const result: Record<string, string> = {};
    if (messenger.apiToken) result['API-TOKEN'] = messenger.apiToken;
    if (messenger.personalAccessToken) result['Personal-Access-Token'] = messenger.personalAccessToken;
    return result;
  }

  const jsonHeaders = (credentials: Credentials) => ({ ...headers(credentials), 'content-type': 'application/json' });
  const organizationPath = (organizationId: number) =>
    expandPath(paths.defaultChatroom, { organizationID: String(organizationId) }, 'MESSENGER');
  /** The contract's body: `assignedUsers`, `name`, `organizationID`, only the keys that are set. */
  const chatroomBody = (changes: ChatroomChanges & { organizationId?: number }) =>
    JSON.stringify({
      ...(changes.assignedUserIds !== undefined ? { assignedUsers: changes.assignedUserIds } : {}),
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.organizationId !== undefined ? { organizationID: changes.organizationId } : {}),
    });

  const roomPath = (template: string, roomId: string) => {
    return expandPath(template, { roomID: vendorId('MESSENGER', roomId, 'A Messenger chatroom id') }, 'MESSENGER');
  };

  async function organizationChatrooms(
    organizationId: number,
    range: { offset: number; limit: number },
    credentials: Credentials,
    read?: ReadOptions,
  ): Promise<ChatroomPage> {
    const pages = await Promise.all(
      planPages(range.offset, range.limit).map((page) =>
        upstream.request({
          method: 'GET',
          path: paths.chatrooms,
          route: paths.chatrooms,
          query: { organization_id: organizationId, limit: page.limit, offset: page.offset },
          headers: headers(credentials),
          validate: validateList,
          ...read,
        }),
      ),
    );
    const mapped = pages.map(mapChatroomList);
    return { chatrooms: mapped.flatMap((p) => p.chatrooms), total: mapped[0]?.total ?? null };
  }

  return {
    provider: 'MESSENGER',
    // The document allows update, delete and avatar only on custom chatrooms; sending on any.
    capabilities: (kind) => {
      const custom = kind === 'CUSTOM';
      return { canSendMessage: true, canUpdate: custom, canDelete: custom, canSetAvatar: custom };
    },
    async getChatroom(ref, credentials, read) {
      const path = roomPath(paths.chatroom, ref.providerId);
      const payload = await upstream.request({ method: 'GET', path, route: paths.chatroom, headers: headers(credentials), validate: validateChatroom, ...read });
      return mapChatroom(payload);
    },
    async getMessage() {
      throw unsupported('MESSENGER', 'reading a message', 'only IWERP messages can be read');
    },
    writes: {
      async updateChatroom(ref, changes, credentials) {
        const payload = await upstream.request({
          method: 'PUT',
          path: roomPath(paths.chatroom, ref.providerId),
          route: paths.chatroom,
          headers: jsonHeaders(credentials),
          body: chatroomBody(changes),
          validate: validateChatroom,
          allowEmpty: true,
        });
        return payload ? mapChatroom(payload) : null;
      },
      async deleteChatroom(ref, credentials) {
        await upstream.request({ method: 'DELETE', path: roomPath(paths.chatroom, ref.providerId), route: paths.chatroom, headers: headers(credentials) });
      },
      async setAvatar(ref, avatar, credentials) {
        await upstream.request({
          method: 'PUT',
          path: roomPath(paths.avatar, ref.providerId),
          route: paths.avatar,
          headers: avatar
            ? { ...headers(credentials), 'content-type': avatar.contentType, 'content-length': String(avatar.size) }
            : { ...headers(credentials), 'content-length': '0' },
          body: avatar?.body ?? null,
        });
      },
      async sendMessage(ref, text, credentials) {
        await upstream.request({
          method: 'POST',
          path: roomPath(paths.message, ref.providerId),
          route: paths.message,
          headers: jsonHeaders(credentials),
          body: JSON.stringify({ message: text }),
        });
      },
    },
    async createChatroom(input, credentials) {
      const payload = await upstream.request({
        method: 'POST',
        path: paths.createChatroom,
        route: paths.createChatroom,
        headers: jsonHeaders(credentials),
        body: chatroomBody(input),
        validate: validateChatroom,
      });
      return mapChatroom(payload);
    },
    async createDefaultChatroom(organizationId, credentials) {
      const payload = await upstream.request({
        method: 'POST',
        path: organizationPath(organizationId),
        route: paths.defaultChatroom,
        headers: headers(credentials),
        validate: validateChatroom,
      });
      return mapChatroom(payload);
    },
    async removeDefaultChatroom(organizationId, credentials) {
      await upstream.request({ method: 'DELETE', path: organizationPath(organizationId), route: paths.defaultChatroom, headers: headers(credentials) });
    },
    async getEventChatroom(organizationId, eventId, credentials, read) {
      const payload = await upstream.request({
        method: 'GET',
        path: paths.eventChatroom,
        route: paths.eventChatroom,
        query: { organization_id: organizationId, event_id: eventId },
        headers: headers(credentials),
        validate: validateChatroom,
        ...read,
      });
      return mapChatroom(payload);
    },
    listOrganizationChatrooms: organizationChatrooms,
    async listLastOrganizationChatrooms(organizationId, count, credentials, read) {
      const head = await organizationChatrooms(organizationId, { offset: 0, limit: Math.min(count, MESSENGER_MAX_LIMIT) }, credentials, read);
      if (head.total === null) {
        throw new GatewayError('UPSTREAM_ERROR', 'MESSENGER did not count the chatrooms, so the last ones cannot be found.', { provider: 'MESSENGER' });
      }
      const offset = Math.max(0, head.total - count);
      if (head.chatrooms.length >= head.total) return { chatrooms: head.chatrooms.slice(offset), total: head.total, offset };
      return { ...(await organizationChatrooms(organizationId, { offset, limit: head.total - offset }, credentials, read)), offset };
    },
    async listAssignedChatrooms(credentials, read) {
      const payload = await upstream.request({
        method: 'GET',
        path: paths.chatrooms,
        route: paths.chatrooms,
        query: { all: true },
        headers: headers(credentials),
        validate: validateList,
        ...read,
      });
      return mapChatroomList(payload);
    },
  };
}
