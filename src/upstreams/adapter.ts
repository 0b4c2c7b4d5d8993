import type { Readable } from 'node:stream';
import type { Capabilities, Chatroom, ChatroomKind, ChatroomRef, Message } from '../model/chat.js';
import type { Provider } from '../model/provider.js';
import type { Credentials } from './credentials.js';

/**
 * What every vendor adapter answers, so loaders and resolvers never branch on the vendor. An
 * operation a vendor does not have throws UNSUPPORTED_BY_PROVIDER without a call.
 */
export interface ChatAdapter {
  readonly provider: Provider;
  getChatroom(ref: ChatroomRef, credentials: Credentials, read?: ReadOptions): Promise<Chatroom>;
  getMessage(providerId: string, credentials: Credentials, read?: ReadOptions): Promise<Message>;
  /** What the vendor lets a client do with a chatroom of this kind (writes are checked against it). */
  capabilities(kind: ChatroomKind): Capabilities;
  /** Writes on an existing chatroom; absent for a read-only vendor. Never retried. */
  readonly writes?: ChatroomWrites;
}

/** How a read is made; every read of every adapter takes these and hands them to the vendor door. */
export interface ReadOptions {
  /** The caller hung up: the read is abandoned when no one else waits for it. */
  signal?: AbortSignal | undefined;
  /** `poll`: the live poller's read, queued behind queries' own reads and never served from the read cache. Default `query`. */
  priority?: 'query' | 'poll';
}

/** The changes updateChatroom may make: only the keys that are set are sent. */
export interface ChatroomChanges {
  name?: string;
  assignedUserIds?: number[];
}

/** An image to upload, streamed to the vendor unchanged. */
export interface AvatarUpload {
  body: Readable;
  contentType: string;
  size: number;
}

export interface ChatroomWrites {
  /** Resolves the updated chatroom, or null when the vendor answers without a body. */
  updateChatroom(ref: ChatroomRef, changes: ChatroomChanges, credentials: Credentials): Promise<Chatroom | null>;
  deleteChatroom(ref: ChatroomRef, credentials: Credentials): Promise<void>;
  /** null removes the avatar (an empty body, as the vendor documents). */
  setAvatar(ref: ChatroomRef, avatar: AvatarUpload | null, credentials: Credentials): Promise<void>;
  sendMessage(ref: ChatroomRef, text: string, credentials: Credentials): Promise<void>;
}
