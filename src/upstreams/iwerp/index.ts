import type { Upstream } from '../../http/upstream.js';
import { pathSegment } from '../../http/path.js';
import { compileValidators } from '../../http/validation.js';
import { NO_CAPABILITIES } from '../../model/chat.js';
import type { ChatAdapter } from '../adapter.js';
import { missingCredential, type Credentials } from '../credentials.js';
import { mapChatroom, mapMessage, type IwerpChatroomPayload, type IwerpMessagePayload } from './mapper.js';
import { componentSchemas } from './openapi.gen.js';

/** IW-ERP chat: one chatroom with its participants, one message with stubs. Read-only. */
export function createIwerpAdapter(upstream: Upstream): ChatAdapter {
  const validator = compileValidators('iwerp', componentSchemas);
  const validateChatroom = validator<IwerpChatroomPayload>('Chatroom');
  const validateMessage = validator<IwerpMessagePayload>('ChatroomMessage');

  function request(credentials: Credentials) {
    const iwerp = credentials.iwerp;
    if (!iwerp) throw missingCredential('IWERP');
    return {
      headers: { 'x-session-token': iwerp.sessionToken },
      query: { 'iw-build-id': iwerp.buildId, 'iw-package-id': iwerp.packageId },
    };
  }

  return {
    provider: 'IWERP',
    capabilities: () => NO_CAPABILITIES,
    async getChatroom(ref, credentials, read) {
      const path = `/api/chat/chatroom/${pathSegment(ref.providerId, 'IWERP', 'chatroom identifier')}`;
      const route = '/api/chat/chatroom/{identifier}';
      const payload = await upstream.request({ method: 'GET', path, route, ...request(credentials), validate: validateChatroom, ...read });
      return mapChatroom(payload);
    },
    async getMessage(providerId, credentials, read) {
      const path = `/api/chat/chatroom_message/${pathSegment(providerId, 'IWERP', 'message identifier')}`;
      const route = '/api/chat/chatroom_message/{identifier}';
      const payload = await upstream.request({ method: 'GET', path, route, ...request(credentials), validate: validateMessage, ...read });
      return mapMessage(payload);
    },
  };
}
