import type { Capabilities, Chatroom, ChatroomKind, ChatroomRef, Message } from '../model/chat.js';
import type { Provider } from '../model/provider.js';
import type { Credentials } from './credentials.js';

/**
 * What every vendor adapter answers, so loaders and resolvers never branch on the vendor. An
 * operation a vendor does not have throws UNSUPPORTED_BY_PROVIDER without a call.
 */
export interface ChatAdapter {
  readonly provider: Provider;
  getChatroom(ref: ChatroomRef, credentials: Credentials): Promise<Chatroom>;
  getMessage(providerId: string, credentials: Credentials): Promise<Message>;
  /** What the vendor lets a client do with a chatroom of this kind (writes are checked against it). */
  capabilities(kind: ChatroomKind): Capabilities;
}

/** Vendor identifiers that are documented as integers (Popsell, Messenger). */
export const WHOLE_NUMBER = /^\d{1,15}$/;
