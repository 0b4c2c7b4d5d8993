import type { Upstream } from '../../http/upstream.js';
import { pathSegment } from '../../http/path.js';
import { compileValidators } from '../../http/validation.js';
import { badInput, unsupported } from '../../errors.js';
import { NO_CAPABILITIES } from '../../model/chat.js';
import type { ChatAdapter } from '../adapter.js';
import { vendorId } from '../../model/globalId.js';
import { missingCredential } from '../credentials.js';
import { int32 } from '../int32.js';
import { mapChatroom, type PopsellChatroomPayload } from './mapper.js';
import { componentSchemas } from './openapi.gen.js';

/** Popsell: one chatroom of a brand, with its ambassadors. Read-only; no message endpoint. */
export function createPopsellAdapter(upstream: Upstream): ChatAdapter {
  const validateChatroom = compileValidators('popsell', componentSchemas)<PopsellChatroomPayload>('Chatroom');

  return {
    provider: 'POPSELL',
    capabilities: () => NO_CAPABILITIES,
    async getChatroom(ref, credentials, read) {
      vendorId('POPSELL', ref.providerId, 'A Popsell chatroom id');
      // Resolvers settle the brand (ID, argument or header) before the loader key is made.
      if (ref.brandId === null || int32(ref.brandId) === null || ref.brandId < 0) {
        throw badInput('A Popsell brand id is a whole number.', 'POPSELL');
      }
      if (!credentials.popsell) throw missingCredential('POPSELL');
      const payload = await upstream.request({
        method: 'GET',
        path: `/chat/chatrooms/${pathSegment(ref.providerId, 'POPSELL', 'chatroom id')}`,
        route: '/chat/chatrooms/{id}',
        headers: { authorization: credentials.popsell.authorization, 'x-popsell-brand': String(ref.brandId) },
        validate: validateChatroom,
        ...read,
      });
      return mapChatroom(payload, ref.brandId);
    },
    async getMessage() {
      throw unsupported('POPSELL', 'reading a message', 'only IWERP messages can be read');
    },
  };
}
