import type { MessengerPaths } from '../../config.js';
import type { Upstream } from '../../http/upstream.js';
import { expandPath } from '../../http/path.js';
import { compileValidators } from '../../http/validation.js';
import { badInput, unsupported } from '../../errors.js';
import type { Chatroom, ChatroomPage } from '../../model/chat.js';
import { WHOLE_NUMBER, type ChatAdapter, type ChatroomChanges } from '../adapter.js';
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

export interface MessengerAdapter extends ChatAdapter {
  getEventChatroom(organizationId: number, eventId: number, credentials: Credentials): Promise<Chatroom>;
  /** One vendor page of an organization's chatrooms (limit 1..50). */
  listOrganizationChatrooms(
    organizationId: number,
    page: { limit: number; offset: number },
    credentials: Credentials,
  ): Promise<ChatroomPage>;
  /** All chatrooms assigned to the calling user (`all=true`: the vendor does not page these). */
  listAssignedChatrooms(credentials: Credentials): Promise<ChatroomPage>;
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
    if (!messenger) throw missingCredential('MESSENGER', 'api-token or personal-access-token');
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
    if (!WHOLE_NUMBER.test(roomId)) throw badInput('A Messenger chatroom id is a whole number.', 'MESSENGER');
    return expandPath(template, { roomID: roomId }, 'MESSENGER');
  };

  return {
    provider: 'MESSENGER',
    // The document allows update, delete and avatar only on custom chatrooms; sending on any.
    capabilities: (kind) => {
      const custom = kind === 'CUSTOM';
      return { canSendMessage: true, canUpdate: custom, canDelete: custom, canSetAvatar: custom };
    },
    async getChatroom(ref, credentials) {
      const path = roomPath(paths.chatroom, ref.providerId);
      const payload = await upstream.request({ method: 'GET', path, route: paths.chatroom, headers: headers(credentials), validate: validateChatroom });
      return mapChatroom(payload);
    },
    async getMessage() {
      throw unsupported('MESSENGER', 'reading a message');
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
    async getEventChatroom(organizationId, eventId, credentials) {
      const payload = await upstream.request({
        method: 'GET',
        path: paths.eventChatroom,
        route: paths.eventChatroom,
        query: { organization_id: organizationId, event_id: eventId },
        headers: headers(credentials),
        validate: validateChatroom,
      });
      return mapChatroom(payload);
    },
    async listOrganizationChatrooms(organizationId, page, credentials) {
      const payload = await upstream.request({
        method: 'GET',
        path: paths.chatrooms,
        route: paths.chatrooms,
        query: { organization_id: organizationId, limit: page.limit, offset: page.offset },
        headers: headers(credentials),
        validate: validateList,
      });
      return mapChatroomList(payload);
    },
    async listAssignedChatrooms(credentials) {
      const payload = await upstream.request({
        method: 'GET',
        path: paths.chatrooms,
        route: paths.chatrooms,
        query: { all: true },
        headers: headers(credentials),
        validate: validateList,
      });
      return mapChatroomList(payload);
    },
  };
}
