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
 * What a @live query's execution learns from its loaders (src/live/liveQuery.ts): each resource
 * they read, so it can be watched, and where the live poller already holds a resource's state,
 * which is served instead of a vendor call when the query runs again after a change.
 */
export interface LoadObserver {
  knownChatroom(ref: ChatroomRef): Chatroom | undefined;
  knownMessage(ref: MessageRef): Message | undefined;
  readChatroom(ref: ChatroomRef, room: Chatroom): void;
  readMessage(ref: MessageRef, message: Message): void;
}

/**
 * The loaders of one request: each resource fetched at most once per request, all of a level's
 * resources in parallel. Vendors have no batch endpoints, so keys are not batched (`batch: false`):
 * in a batch every key would wait for the slowest call, and the next level (a message's room)
 * could start only then; alone, each resolves as its vendor answers (scenario (c) of the
 * benchmark starts its second round ~2 ms sooner). Keys carry the credential scope (a hash, never
 * the secret), so a loader can never answer one credential with another's data, even if it
 * outlived a request. A failed key yields its own error: one bad ID fails one field, not the list.
 * `signal` gives the request's: when its client hangs up, its reads are abandoned (unless shared).
 * It is asked for at the first vendor read only (a request that joins another's execution has none).
 *
 * The loaders themselves are made at the first read too: a subscription holds its context for as
 * long as it is open and never reads through them, and a request that joins another's execution
 * never reads at all. Made at once, they were ~3 KB of heap per context (30 MB at 10,000
 * subscribers).
 */
export function createLoaders(
  adapters: Readonly<Record<Provider, ChatAdapter>>,
  credentials: Credentials,
  signal?: () => AbortSignal,
  observer?: LoadObserver,
): Loaders {
  return new LazyLoaders(() => makeLoaders(adapters, credentials, signal, observer));
}

class LazyLoaders implements Loaders {
  #made: Loaders | undefined;
  readonly #make: () => Loaders;

  constructor(make: () => Loaders) {
    this.#make = make;
  }

  get chatroom() {
    return (this.#made ??= this.#make()).chatroom;
  }

  get message() {
    return (this.#made ??= this.#make()).message;
  }

  primeChatrooms(chatrooms: readonly Chatroom[]): void {
    (this.#made ??= this.#make()).primeChatrooms(chatrooms);
  }
}

function makeLoaders(
  adapters: Readonly<Record<Provider, ChatAdapter>>,
  credentials: Credentials,
  signal?: () => AbortSignal,
  observer?: LoadObserver,
): Loaders {
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

  const getChatroom = async (ref: ChatroomRef) => {
    const room = observer?.knownChatroom(ref) ?? (await adapters[ref.provider].getChatroom(ref, credentials, { signal: signal?.() }));
    observer?.readChatroom(ref, room);
    return room;
  };
  const getMessage = async (ref: MessageRef) => {
    const found = observer?.knownMessage(ref) ?? (await adapters[ref.provider].getMessage(ref.providerId, credentials, { signal: signal?.() }));
    observer?.readMessage(ref, found);
    return found;
  };
  const chatroom = new DataLoader<ChatroomRef, Chatroom, string>(
    async (refs) => Promise.all(refs.map((ref) => settle(() => getChatroom(ref)))),
    { cacheKeyFn: chatroomKey, batch: false },
  );
  const message = new DataLoader<MessageRef, Message, string>(
    async (refs) => Promise.all(refs.map((ref) => settle(() => getMessage(ref)))),
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
