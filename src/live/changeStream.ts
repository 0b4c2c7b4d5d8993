/**
 * A subscriber's feed of states turned into the contract's change events: the first is the current
 * state (INITIAL), each later one says what differs from the last state this subscriber was sent
 * (so a slow consumer that skipped states still hears every kind of change), and a state no
 * different from it sends nothing. The end of a resource is one last event, then the stream ends.
 */
import type { GatewayError } from '../errors.js';
import type { Chatroom, ChatroomPage, Message, Participant } from '../model/chat.js';
import {
  diffChatroom,
  diffChatroomList,
  diffMessage,
  type ChatroomChangeKind,
  type MessageChangeKind,
} from './diff.js';
import type { Feed, Snapshot } from './registry.js';

export interface ChatroomChangeEvent {
  chatroom: Chatroom | null;
  changes: ChatroomChangeKind[];
  participantsJoined: Participant[];
  participantsLeft: Participant[];
  observedAt: Date;
}

export interface ChatroomListChangeEvent {
  added: Chatroom[];
  removed: Chatroom[];
  changed: Chatroom[];
  totalCount: number | null;
  observedAt: Date;
}

export interface MessageChangeEvent {
  message: Message | null;
  changes: MessageChangeKind[];
  observedAt: Date;
}

/** One step: the event for a new state (null: nothing to send), and whether it is the last. */
type Step<E> = { event: E; last: boolean } | null;

/**
 * The events of one feed. An error the vendor will not get over (401, 403) is yielded as the
 * GatewayError itself, for the field's resolver to throw: the client gets it as a coded error.
 * `delivered` hears when each event reaches the consumer, with the time its state was seen.
 */
function changeStream<T, E>(
  feed: Feed<T>,
  step: (sent: T | undefined, state: T, observedAt: Date) => Step<E>,
  gone: (observedAt: Date, sent: T | undefined) => E,
  delivered?: (observedAt: Date) => void,
): AsyncIterableIterator<E | GatewayError> {
  let sent: T | undefined;
  let finished = false;
  const done = { value: undefined, done: true } as const;
  const toStep = (snapshot: Snapshot<T>): Step<E | GatewayError> => {
    if (snapshot.kind === 'gone') return { event: gone(snapshot.observedAt, sent), last: true };
    if (snapshot.kind === 'failed') return { event: snapshot.error, last: true };
    const next = step(sent, snapshot.value, snapshot.observedAt);
    if (next) sent = snapshot.value;
    return next;
  };
  const stream: AsyncIterableIterator<E | GatewayError> = {
    [Symbol.asyncIterator]: () => stream,
    async next() {
      while (!finished) {
        const result = await feed.next();
        if (result.done) break;
        const next = toStep(result.value);
        if (!next) continue;
        if (next.last) {
          finished = true;
          await feed.return();
        }
        delivered?.(result.value.observedAt);
        return { value: next.event, done: false };
      }
      finished = true;
      return done;
    },
    async return() {
      finished = true;
      await feed.return();
      return done;
    },
  };
  return stream;
}

export const chatroomChanges = (feed: Feed<Chatroom>, delivered?: (observedAt: Date) => void) =>
  changeStream<Chatroom, ChatroomChangeEvent>(
    feed,
    (sent, chatroom, observedAt) => {
      // Flagged deleted by its vendor: gone, as if it answered 404.
      if (chatroom.deleted) return { event: deletedRoom(observedAt), last: true };
      if (!sent) return { event: { chatroom, changes: ['INITIAL'], participantsJoined: [], participantsLeft: [], observedAt }, last: false };
      const diff = diffChatroom(sent, chatroom);
      return diff.changes.length ? { event: { chatroom, ...diff, observedAt }, last: false } : null;
    },
    deletedRoom,
    delivered,
  );

const deletedRoom = (observedAt: Date): ChatroomChangeEvent => ({
  chatroom: null,
  changes: ['DELETED'],
  participantsJoined: [],
  participantsLeft: [],
  observedAt,
});

export const messageChanges = (feed: Feed<Message>, delivered?: (observedAt: Date) => void) =>
  changeStream<Message, MessageChangeEvent>(
    feed,
    (sent, message, observedAt) => {
      if (message.deleted) return { event: deletedMessage(observedAt), last: true };
      if (!sent) return { event: { message, changes: ['INITIAL'], observedAt }, last: false };
      const changes = diffMessage(sent, message);
      return changes.length ? { event: { message, changes, observedAt }, last: false } : null;
    },
    deletedMessage,
    delivered,
  );

const deletedMessage = (observedAt: Date): MessageChangeEvent => ({ message: null, changes: ['DELETED'], observedAt });

/** A list the vendor no longer has (404) has lost every room: one last event says so, then the stream ends. */
export const chatroomListChanges = (feed: Feed<ChatroomPage>, delivered?: (observedAt: Date) => void) =>
  changeStream<ChatroomPage, ChatroomListChangeEvent>(
    feed,
    (sent, page, observedAt) => {
      const diff = diffChatroomList(sent?.chatrooms ?? [], page.chatrooms);
      if (sent && !diff.added.length && !diff.removed.length && !diff.changed.length && sent.total === page.total) return null;
      return { event: { ...diff, totalCount: page.total, observedAt }, last: false };
    },
    // The rooms its client holds: one flagged deleted was never added, or was removed already.
    (observedAt, sent) => ({ added: [], removed: (sent?.chatrooms ?? []).filter((room) => !room.deleted), changed: [], totalCount: 0, observedAt }),
    delivered,
  );
