/** Popsell payloads → the unified model. Pure functions; every quirk is handled here, once. */
import {
  displayNameOf,
  type Ambassador,
  type Chatroom,
  type ChatroomKind,
  type ChatroomRef,
  type PopsellDiscussionType,
  type PopsellSource,
  type Summary,
} from '../../model/chat.js';
import { int32 } from '../int32.js';
import { parseVendorDate } from '../vendorDate.js';
import type { components } from './openapi.gen.js';

type Schemas = components['schemas'];
export type PopsellChatroomPayload = Schemas['Chatroom'];

/** `type_chatroom`: "0: one to one, 7: one to many"; any other value is UNKNOWN, never an error. */
const KINDS: Readonly<Record<number, ChatroomKind>> = { 0: 'DIRECT', 7: 'GROUP' };

/** `type_discussion`: "0: between members, 1: between external, 2: between members and external". */
const DISCUSSION_TYPES: readonly PopsellDiscussionType[] = ['MEMBERS', 'EXTERNAL', 'MEMBERS_AND_EXTERNAL'];

/** `source`: "0:direct, 1:waiting_list, 2:hot_list", sent as 2, "2" or (by its type) "hot_list". */
const SOURCES: readonly PopsellSource[] = ['DIRECT', 'WAITING_LIST', 'HOT_LIST'];

export function mapSource(value: string | number | null | undefined): PopsellSource | null {
  if (value === null || value === undefined || value === '') return null;
  const text = String(value).trim().toLowerCase();
  const byNumber = /^\d+$/.test(text) ? SOURCES[Number(text)] : undefined;
  const byName = SOURCES.find((s) => s.toLowerCase() === text);
  return byNumber ?? byName ?? 'UNKNOWN';
}

/**
 * `established_dialogue` is typed date-time, described as true/false, and sent as a date. A
 * boolean (or "true"/"false", 1/0) is taken as it is; a date means a dialogue was established then.
 */
export function mapEstablishedDialogue(value: string | boolean | null | undefined): {
  establishedDialogue: boolean | null;
  establishedDialogueAt: Date | null;
} {
  if (typeof value === 'boolean') return { establishedDialogue: value, establishedDialogueAt: null };
  const text = value?.trim().toLowerCase() ?? '';
  if (text === 'true' || text === '1') return { establishedDialogue: true, establishedDialogueAt: null };
  if (text === 'false' || text === '0') return { establishedDialogue: false, establishedDialogueAt: null };
  const at = parseVendorDate(value);
  return { establishedDialogue: at ? true : null, establishedDialogueAt: at };
}

function mapAmbassador(a: Schemas['Ambassador'], room: ChatroomRef, roomId: number): Ambassador {
  const providerId = String(a.id_ambassador);
  // An ambassador's pivot list may hold several rooms: only the entry of this room applies.
  const pivot = (a.chatroom_pivot_data ?? []).find((p) => p.id_chatroom === roomId);
  return {
    typename: 'Ambassador',
    complete: true,
    provider: 'POPSELL',
    providerId,
    chatroom: room,
    displayName: displayNameOf({
      providerId,
      firstName: a.firstname,
      lastName: a.lastname,
      username: a.username,
    }),
    firstName: a.firstname ?? null,
    lastName: a.lastname ?? null,
    avatarUrl: a.image ?? null,
    isAdmin: null,
    canWrite: null,
    isMuted: null,
    // last_read_message is a message id, not a time (contract): exposed as lastReadMessageId.
    lastReadAt: null,
    deleted: false,
    username: a.username ?? null,
    email: a.email ?? null,
    online: a.online ?? null,
    lastActiveAt: parseVendorDate(a.last_action_date),
    anonymized: a.anonymized ?? null,
    isBlocked: pivot?.is_blocked ?? null,
    archived: pivot?.archived ?? null,
    lastReadMessageId: pivot?.last_read_message != null ? String(pivot.last_read_message) : null,
    active: int32(a.active),
    status: int32(a.status),
    customerId: a.customer_id ?? null,
    secrets: { emailTmp: a.email_tmp ?? null },
  };
}

function mapSummary(s: Schemas['Summary']): Summary {
  return {
    // Typed a plain string ("string" in the example): a value that is no date is null.
    createdAt: parseVendorDate(s.date_insert),
    summary: s.summary ?? null,
    anomaly: int32(s.anomaly),
    topic: int32(s.topic),
  };
}

export function mapChatroom(c: PopsellChatroomPayload, brandId: number): Chatroom {
  const ref: ChatroomRef = { provider: 'POPSELL', providerId: String(c.id_chatroom), brandId };
  const dialogue = mapEstablishedDialogue(c.established_dialogue);
  // Field by field, no spread: see the Messenger mapper for why.
  return {
    provider: ref.provider,
    providerId: ref.providerId,
    brandId,
    typename: 'Chatroom',
    complete: true,
    name: null,
    imageUrl: null,
    kind: (c.type_chatroom != null && KINDS[c.type_chatroom]) || 'UNKNOWN',
    createdAt: parseVendorDate(c.date_insert),
    updatedAt: null,
    deleted: false,
    lastMessageAt: parseVendorDate(c.last_message_date),
    lastReadAt: null,
    participants: (c.ambassadors ?? []).map((a) => mapAmbassador(a, ref, c.id_chatroom)),
    organizationId: null,
    eventId: null,
    scheduledDeletionAt: null,
    lastRating: c.last_rating ? { value: int32(c.last_rating.value), comment: c.last_rating.comment ?? null } : null,
    lastSummary: c.last_summary ? mapSummary(c.last_summary) : null,
    discussionType:
      c.type_discussion == null ? null : (DISCUSSION_TYPES[c.type_discussion] ?? 'UNKNOWN'),
    source: mapSource(c.source),
    establishedDialogue: dialogue.establishedDialogue,
    establishedDialogueAt: dialogue.establishedDialogueAt,
    secrets: { token: null, notificationToken: null },
  };
}
