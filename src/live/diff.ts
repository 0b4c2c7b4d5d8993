/**
 * What changed between two states of a unified model object, as the change kinds of the contract
 * (schema-contract.graphql). Pure functions over model objects, never vendor payloads: a vendor's
 * quirks are settled by its mapper before anything is compared here. Two equal objects yield no
 * change, so a poll that found nothing new sends nothing.
 */
import type { Chatroom, Message, Participant } from '../model/chat.js';

export const CHATROOM_CHANGE_KINDS = [
  'INITIAL',
  'RENAMED',
  'IMAGE_CHANGED',
  'PARTICIPANTS_JOINED',
  'PARTICIPANTS_LEFT',
  'PARTICIPANT_UPDATED',
  'READ_MARKS',
  'PRESENCE',
  'NEW_ACTIVITY',
  'RATING',
  'SUMMARY',
  'SCHEDULED_DELETION',
  'DELETED',
  'OTHER',
] as const;
export type ChatroomChangeKind = (typeof CHATROOM_CHANGE_KINDS)[number];

export const MESSAGE_CHANGE_KINDS = ['INITIAL', 'EDITED', 'REACTIONS', 'COMPLETED', 'ATTACHMENTS', 'DELETED', 'OTHER'] as const;
export type MessageChangeKind = (typeof MESSAGE_CHANGE_KINDS)[number];

/**
 * Deep equality of model values: primitives, Dates by their time, arrays in order, plain objects
 * key by key. Model objects hold nothing else (no Maps, no cycles).
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  }
  const keysA = Object.keys(a);
  if (keysA.length !== Object.keys(b).length) return false;
  return keysA.every((key) => sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

/** The fields of `a` and `b` (same shape) that differ, minus those listed in `skip`. */
function differingKeys<T extends object>(a: T, b: T, skip: ReadonlySet<string>): string[] {
  return Object.keys(a).filter((key) => !skip.has(key) && !sameValue(a[key as keyof T], b[key as keyof T]));
}

export interface ChatroomDiff {
  changes: ChatroomChangeKind[];
  participantsJoined: Participant[];
  participantsLeft: Participant[];
}

const participantKey = (p: Participant) => `${p.typename}:${p.providerId}`;

/** Read marks move whenever someone reads: READ_MARKS, not an update of the participant. */
const READ_MARK_FIELDS = new Set(['lastReadAt', 'lastReadMessageId']);
/** Popsell's presence flips on its own: PRESENCE, not an update of the participant. */
const PRESENCE_FIELDS = new Set(['online', 'lastActiveAt']);
const PARTICIPANT_OWN_SKIP = new Set([...READ_MARK_FIELDS, ...PRESENCE_FIELDS, 'chatroom']);

const pick = (p: Participant, fields: ReadonlySet<string>) =>
  [...fields].map((field) => (p as unknown as Record<string, unknown>)[field]);

/** The room fields each kind stands for; whatever else differs is OTHER. */
const ROOM_FIELD_KINDS: Partial<Record<keyof Chatroom, ChatroomChangeKind>> = {
  name: 'RENAMED',
  imageUrl: 'IMAGE_CHANGED',
  lastReadAt: 'READ_MARKS',
  lastMessageAt: 'NEW_ACTIVITY',
  lastRating: 'RATING',
  lastSummary: 'SUMMARY',
  scheduledDeletionAt: 'SCHEDULED_DELETION',
  deleted: 'DELETED',
};
/** Compared participant by participant below, not as a list. */
const ROOM_SKIP = new Set(['participants']);

/**
 * The last diff made from each state, by identity: a poll that finds a room changed diffs the two
 * states (resources.ts), and then each of the pair's subscribers diffs the same two states for its
 * event (changeStream.ts). States are never mutated, so the first diff serves them all.
 */
const lastDiffs = new WeakMap<Chatroom, { after: Chatroom; diff: ChatroomDiff }>();

/**
 * The changes from one state of a chatroom to the next, in the enum's order. A participant that
 * leaves the list or becomes `deleted` has left (the schema's `participants` hides deleted ones);
 * one that appears, or comes back from `deleted`, has joined. The result is shared: read it only.
 */
export function diffChatroom(before: Chatroom, after: Chatroom): ChatroomDiff {
  const last = lastDiffs.get(before);
  if (last?.after === after) return last.diff;
  const diff = compareChatrooms(before, after);
  lastDiffs.set(before, { after, diff });
  return diff;
}

function compareChatrooms(before: Chatroom, after: Chatroom): ChatroomDiff {
  const kinds = new Set<ChatroomChangeKind>();
  for (const key of differingKeys(before, after, ROOM_SKIP)) {
    const kind = ROOM_FIELD_KINDS[key as keyof Chatroom];
    // `deleted` going back to false is not a deletion; any other field differing is OTHER.
    if (kind === 'DELETED' && !after.deleted) kinds.add('OTHER');
    else kinds.add(kind ?? 'OTHER');
  }

  const present = (room: Chatroom) => new Map(room.participants.filter((p) => !p.deleted).map((p) => [participantKey(p), p]));
  const was = present(before);
  const is = present(after);
  const participantsJoined = [...is].filter(([key]) => !was.has(key)).map(([, p]) => p);
  const afterByKey = new Map(after.participants.map((p) => [participantKey(p), p]));
  // A participant flagged deleted is reported as the vendor now shows it; one gone from the list as last seen.
  const participantsLeft = [...was].filter(([key]) => !is.has(key)).map(([key, p]) => afterByKey.get(key) ?? p);
  if (participantsJoined.length) kinds.add('PARTICIPANTS_JOINED');
  if (participantsLeft.length) kinds.add('PARTICIPANTS_LEFT');

  for (const [key, previous] of was) {
    const current = is.get(key);
    if (!current) continue;
    if (differingKeys(previous, current, PARTICIPANT_OWN_SKIP).length) kinds.add('PARTICIPANT_UPDATED');
    if (!sameValue(pick(previous, READ_MARK_FIELDS), pick(current, READ_MARK_FIELDS))) kinds.add('READ_MARKS');
    if (!sameValue(pick(previous, PRESENCE_FIELDS), pick(current, PRESENCE_FIELDS))) kinds.add('PRESENCE');
  }
  // Participants flagged deleted are shown only with participants(includeDeleted: true): a change
  // there is OTHER, whatever else changed, and their order is no change either (a reviewer's pass).
  // One becoming deleted or coming back has left or joined above.
  const hidden = (room: Chatroom) => new Map(room.participants.filter((p) => p.deleted).map((p) => [participantKey(p), p]));
  const wasHidden = hidden(before);
  const isHidden = hidden(after);
  const hiddenChanged =
    [...isHidden].some(([key, p]) => !was.has(key) && !sameValue(wasHidden.get(key), p)) ||
    [...wasHidden.keys()].some((key) => !is.has(key) && !isHidden.has(key));
  if (hiddenChanged) kinds.add('OTHER');

  return { changes: CHATROOM_CHANGE_KINDS.filter((k) => kinds.has(k)), participantsJoined, participantsLeft };
}

/** The message fields each kind stands for; whatever else differs is OTHER. */
const MESSAGE_FIELD_KINDS: Partial<Record<keyof Message, MessageChangeKind>> = {
  text: 'EDITED',
  reactions: 'REACTIONS',
  completed: 'COMPLETED',
  attachments: 'ATTACHMENTS',
  deleted: 'DELETED',
};

/** The changes from one state of a message to the next, in the enum's order. */
export function diffMessage(before: Message, after: Message): MessageChangeKind[] {
  const kinds = new Set<MessageChangeKind>();
  for (const key of differingKeys(before, after, new Set())) {
    const kind = MESSAGE_FIELD_KINDS[key as keyof Message];
    if (kind === 'DELETED' && !after.deleted) kinds.add('OTHER');
    else kinds.add(kind ?? 'OTHER');
  }
  return MESSAGE_CHANGE_KINDS.filter((k) => kinds.has(k));
}

export interface ChatroomListDiff {
  added: Chatroom[];
  /** As last seen: the schema answers their IDs. */
  removed: Chatroom[];
  changed: Chatroom[];
}

const roomKey = (room: Chatroom) => `${room.brandId ?? ''}|${room.providerId}`;

/**
 * What changed in a list of chatrooms: rooms that appeared, rooms that left it (or that the vendor
 * now flags deleted), and rooms in both whose state differs. Order within the list is not a change.
 */
export function diffChatroomList(before: readonly Chatroom[], after: readonly Chatroom[]): ChatroomListDiff {
  const listed = (rooms: readonly Chatroom[]) => new Map(rooms.filter((r) => !r.deleted).map((r) => [roomKey(r), r]));
  const was = listed(before);
  const is = listed(after);
  return {
    added: [...is].filter(([key]) => !was.has(key)).map(([, room]) => room),
    removed: [...was].filter(([key]) => !is.has(key)).map(([, room]) => room),
    // By the single room's rule, which does not count its participants' order (a reviewer's pass).
    changed: [...is].filter(([key, room]) => {
      const previous = was.get(key);
      return previous !== undefined && !sameValue(previous, room) && diffChatroom(previous, room).changes.length > 0;
    }).map(([, room]) => room),
  };
}
