import DataLoader from 'dataloader';
import type { Chatroom, ChatroomRef, Message } from '../model/chat.js';
import type { Provider } from '../model/provider.js';
import type { ChatAdapter } from '../upstreams/adapter.js';
import { credentialScope, type Credentials } from '../upstreams/credentials.js';

export interface MessageRef {
  provider: Provider;
  providerId: string;
}

export interface Loaders {
  chatroom: DataLoader<ChatroomRef, Chatroom, string>;
  message: DataLoader<MessageRef, Message, string>;
  /** Seeds the chatroom loader with rooms a list response already holds. */
  primeChatrooms(chatrooms: readonly Chatroom[]): void;
}

/**
 * The loaders of one request: each resource fetched at most once per request, all of a level's
 * resources in parallel. Vendors have no batch endpoints, so keys are not batched (`batch: false`):
 * in a batch every key would wait for the slowest call, and the next level (a message's room)
 * could start only then; alone, each resolves as its vendor answers (scenario (c) of the
 * benchmark starts its second round ~2 ms sooner). Keys carry the credential scope (a hash, never
 * the secret), so a loader can never answer one credential with another's data, even if it
 * outlived a request. A failed key yields its own error: one bad ID fails one field, not the list.
 * `signal` is the request's: when its client hangs up, its reads are abandoned (unless shared).
 */
export function createLoaders(adapters: Readonly<Record<Provider, ChatAdapter>>, credentials: Credentials, signal?: AbortSignal): Loaders {
  const scopes = new Map<Provider, string>();
  const scope = (provider: Provider) => {
    let value = scopes.get(provider);
    if (value === undefined) {
      value = credentialScope(credentials, provider);
      scopes.set(provider, value);
    }
    return value;
  };
  const chatroomKey = (ref: ChatroomRef) => `${scope(ref.provider)}|chatroom|${ref.brandId ?? ''}|${ref.providerId}`;
  const messageKey = (ref: MessageRef) => `${scope(ref.provider)}|message|${ref.providerId}`;
  const settle = <T>(work: () => Promise<T>) => work().catch((error: unknown) => error as Error);

  const chatroom = new DataLoader<ChatroomRef, Chatroom, string>(
    async (refs) => Promise.all(refs.map((ref) => settle(() => adapters[ref.provider].getChatroom(ref, credentials, signal)))),
    { cacheKeyFn: chatroomKey, batch: false },
  );
  const message = new DataLoader<MessageRef, Message, string>(
    async (refs) =>
      Promise.all(refs.map((ref) => settle(() => adapters[ref.provider].getMessage(ref.providerId, credentials, signal)))),
    { cacheKeyFn: messageKey, batch: false },
  );
  return {
    chatroom,
    message,
    primeChatrooms(chatrooms) {
      for (const room of chatrooms) chatroom.prime(room, room);
    },
  };
}
