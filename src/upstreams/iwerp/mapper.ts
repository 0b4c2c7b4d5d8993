/** IW-ERP payloads → the unified model. Pure functions; every quirk is handled here, once. */
import {
  displayNameOf,
  type Attachment,
  type Chatroom,
  type ChatroomRef,
  type ChatroomStub,
  type IwerpParticipant,
  type IwerpParticipantStub,
  type Message,
  type Reaction,
} from '../../model/chat.js';
import { int32 } from '../int32.js';
import { parseVendorDate } from '../vendorDate.js';
import type { components } from './openapi.gen.js';

type Schemas = components['schemas'];
export type IwerpChatroomPayload = Schemas['Chatroom'];
export type IwerpMessagePayload = Schemas['ChatroomMessage'];

const chatroomRef = (id: number): ChatroomRef => ({ provider: 'IWERP', providerId: String(id), brandId: null });

/**
 * IW-ERP sends no chatroom type, so its kind is UNKNOWN (the contract forbids guessing).
 * Objects here are built field by field, never with a leading spread: see the Messenger mapper.
 */
function chatroomStub(stub: Schemas['Stub']): ChatroomStub {
  return {
    provider: 'IWERP',
    providerId: String(stub.id),
    brandId: null,
    typename: 'Chatroom',
    complete: false,
    name: stub.name ?? null,
    imageUrl: stub.image_url ?? null,
    kind: 'UNKNOWN',
    createdAt: parseVendorDate(stub.created),
    updatedAt: parseVendorDate(stub.updated),
    deleted: stub.deleted ?? false,
  };
}

function participantStub(stub: Schemas['Stub'], chatroom: ChatroomRef): IwerpParticipantStub {
  const name = stub.name?.trim();
  return {
    typename: 'IwerpParticipant',
    complete: false,
    provider: 'IWERP',
    providerId: String(stub.id),
    chatroom,
    displayName: name || null,
    avatarUrl: stub.image_url ?? null,
    createdAt: parseVendorDate(stub.created),
    updatedAt: parseVendorDate(stub.updated),
    deleted: stub.deleted ?? false,
  };
}

export function mapParticipant(p: Schemas['Participant'], chatroom: ChatroomRef): IwerpParticipant {
  const providerId = String(p.id);
  return {
    typename: 'IwerpParticipant',
    complete: true,
    provider: 'IWERP',
    providerId,
    chatroom,
    displayName: displayNameOf({
      providerId,
      name: p.name,
      nickname: p.nickname,
      firstName: p.first_name,
      lastName: p.last_name,
    }),
    firstName: p.first_name ?? null,
    lastName: p.last_name ?? null,
    avatarUrl: p.image_url ?? null,
    isAdmin: p.room_admin ?? null,
    canWrite: p.can_write ?? null,
    isMuted: p.is_muted ?? null,
    lastReadAt: parseVendorDate(p.last_read_at),
    deleted: p.deleted ?? false,
    nickname: p.nickname ?? null,
    participantType: p.participant_type ?? null,
    preferredColorHex: p.preferred_color_hex ?? null,
    autoCreated: p.auto_created ?? null,
    autoReply: p.auto_reply ?? null,
    aiNumberOfContextMessages: int32(p.ai_number_of_context_messages),
    createdAt: parseVendorDate(p.created),
    updatedAt: parseVendorDate(p.updated),
    secrets: { aiPrompt: p.ai_prompt ?? null, aiAutoCloseSecretWord: p.ai_auto_close_secret_word ?? null },
  };
}

export function mapChatroom(c: IwerpChatroomPayload): Chatroom {
  const ref = chatroomRef(c.id);
  return {
    provider: 'IWERP',
    providerId: ref.providerId,
    brandId: null,
    typename: 'Chatroom',
    complete: true,
    name: c.name ?? null,
    imageUrl: c.image_url ?? null,
    kind: 'UNKNOWN',
    createdAt: parseVendorDate(c.created),
    updatedAt: parseVendorDate(c.updated),
    deleted: c.deleted ?? false,
    lastMessageAt: null,
    lastReadAt: parseVendorDate(c.last_read_at),
    participants: (c.participants ?? []).map((p) => mapParticipant(p, ref)),
    organizationId: null,
    eventId: null,
    scheduledDeletionAt: null,
    lastRating: null,
    lastSummary: null,
    discussionType: null,
    source: null,
    establishedDialogue: null,
    establishedDialogueAt: null,
    secrets: { token: c.token ?? null, notificationToken: c.notification_token ?? null },
  };
}

/** `filesize` is a string: "2048" → 2048; "1.5", "2 KB", "" or beyond GraphQL's Int → null. */
export function parseFilesize(value: string | null | undefined): number | null {
  const trimmed = value?.trim() ?? '';
  return /^\d+$/.test(trimmed) ? int32(Number(trimmed)) : null;
}

function mapAttachment(a: Schemas['Attachment']): Attachment {
  return {
    providerId: String(a.id),
    filename: a.filename ?? null,
    size: parseFilesize(a.filesize),
    mimeType: a.mimetype ?? null,
    createdBy: a.createdbyusername ?? null,
    createdAt: parseVendorDate(a.created),
    scope: a.scope ?? null,
    googleId: a.googleid ?? null,
  };
}

function mapReaction(r: Schemas['Reaction'], messageId: string, chatroom: ChatroomRef): Reaction {
  return {
    typename: 'Reaction',
    provider: 'IWERP',
    providerId: String(r.id),
    messageId,
    // An image reaction may come without an emoji; the schema's emoji is non-null, so it is empty.
    emoji: r.emoji ?? '',
    participant: r.participant ? participantStub(r.participant, chatroom) : null,
    imageUrl: r.image_url ?? null,
    createdAt: parseVendorDate(r.created),
    updatedAt: parseVendorDate(r.updated),
    deleted: r.deleted ?? false,
  };
}

export function mapMessage(m: IwerpMessagePayload): Message {
  const room = chatroomRef(m.chatroom.id);
  const providerId = String(m.id);
  return {
    typename: 'Message',
    provider: 'IWERP',
    providerId,
    chatroom: chatroomStub(m.chatroom),
    author: m.participant ? participantStub(m.participant, room) : null,
    text: m.message_text ?? null,
    attachments: (m.attachments ?? []).map(mapAttachment),
    reactions: (m.reactions ?? []).map((r) => mapReaction(r, providerId, room)),
    completed: m.completed ?? null,
    createdAt: parseVendorDate(m.created),
    updatedAt: parseVendorDate(m.updated),
    deleted: m.deleted ?? false,
  };
}
