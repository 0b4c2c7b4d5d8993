/**
 * The unified domain model: what every vendor mapper produces and every resolver reads. Vendor
 * shapes stop at the mappers; nothing here knows a vendor field name.
 */
import type { Provider } from './provider.js';

export const CHATROOM_KINDS = ['DIRECT', 'GROUP', 'EVENT', 'ORGANIZATION_DEFAULT', 'CUSTOM', 'UNKNOWN'] as const;
export type ChatroomKind = (typeof CHATROOM_KINDS)[number];

/** What the gateway needs to fetch a chatroom again. */
export interface ChatroomRef {
  provider: Provider;
  providerId: string;
  /** Popsell only: the brand the chatroom was read in (sent as X-Popsell-Brand). */
  brandId: number | null;
}

/** The fields a vendor also sends in short form, e.g. IW-ERP's chatroom inside a message. */
export interface ChatroomStubFields extends ChatroomRef {
  typename: 'Chatroom';
  name: string | null;
  imageUrl: string | null;
  kind: ChatroomKind;
  createdAt: Date | null;
  updatedAt: Date | null;
  deleted: boolean;
}

export interface ChatroomStub extends ChatroomStubFields {
  complete: false;
}

export interface Rating {
  value: number | null;
  comment: string | null;
}

export interface Summary {
  createdAt: Date | null;
  summary: string | null;
  anomaly: number | null;
  topic: number | null;
}

export type PopsellDiscussionType = 'MEMBERS' | 'EXTERNAL' | 'MEMBERS_AND_EXTERNAL' | 'UNKNOWN';
export type PopsellSource = 'DIRECT' | 'WAITING_LIST' | 'HOT_LIST' | 'UNKNOWN';

export interface Chatroom extends ChatroomStubFields {
  complete: true;
  lastMessageAt: Date | null;
  lastReadAt: Date | null;
  participants: Participant[];
  organizationId: number | null;
  eventId: number | null;
  scheduledDeletionAt: Date | null;
  lastRating: Rating | null;
  lastSummary: Summary | null;
  discussionType: PopsellDiscussionType | null;
  source: PopsellSource | null;
  establishedDialogue: boolean | null;
  establishedDialogueAt: Date | null;
  /** Vendor secrets, in the schema only with EXPOSE_VENDOR_SECRETS. */
  secrets: { token: string | null; notificationToken: string | null };
}

export type AnyChatroom = Chatroom | ChatroomStub;

interface ParticipantBase {
  provider: Provider;
  providerId: string;
  /** The chatroom the participant was read in: per-room data (admin, pivot) belongs to it. */
  chatroom: ChatroomRef;
  firstName: string | null;
  lastName: string | null;
  avatarUrl: string | null;
  isAdmin: boolean | null;
  canWrite: boolean | null;
  isMuted: boolean | null;
  lastReadAt: Date | null;
  deleted: boolean;
}

export interface IwerpParticipant extends ParticipantBase {
  typename: 'IwerpParticipant';
  complete: true;
  displayName: string;
  nickname: string | null;
  participantType: string | null;
  preferredColorHex: string | null;
  autoCreated: boolean | null;
  autoReply: boolean | null;
  aiNumberOfContextMessages: number | null;
  createdAt: Date | null;
  updatedAt: Date | null;
  secrets: { aiPrompt: string | null; aiAutoCloseSecretWord: string | null };
}

/** IW-ERP's participant inside a message: id, name, image and timestamps only. */
export interface IwerpParticipantStub {
  typename: 'IwerpParticipant';
  complete: false;
  provider: Provider;
  providerId: string;
  chatroom: ChatroomRef;
  /** The vendor's `name`; null when it sent none and only the full participant can decide. */
  displayName: string | null;
  avatarUrl: string | null;
  createdAt: Date | null;
  updatedAt: Date | null;
  deleted: boolean;
}

export interface Ambassador extends ParticipantBase {
  typename: 'Ambassador';
  complete: true;
  displayName: string;
  username: string | null;
  email: string | null;
  online: boolean | null;
  lastActiveAt: Date | null;
  anonymized: boolean | null;
  isBlocked: boolean | null;
  archived: boolean | null;
  lastReadMessageId: string | null;
  active: number | null;
  status: number | null;
  customerId: string | null;
  secrets: { emailTmp: string | null };
}

export interface MessengerUser extends ParticipantBase {
  typename: 'MessengerUser';
  complete: true;
  displayName: string;
}

export type Participant = IwerpParticipant | Ambassador | MessengerUser;
export type AnyParticipant = Participant | IwerpParticipantStub;

export interface Attachment {
  providerId: string;
  filename: string | null;
  size: number | null;
  mimeType: string | null;
  createdBy: string | null;
  createdAt: Date | null;
  scope: string | null;
  googleId: string | null;
}

export interface Reaction {
  typename: 'Reaction';
  provider: Provider;
  providerId: string;
  messageId: string;
  emoji: string;
  participant: IwerpParticipantStub | null;
  imageUrl: string | null;
  createdAt: Date | null;
  updatedAt: Date | null;
  deleted: boolean;
}

export interface Message {
  typename: 'Message';
  provider: Provider;
  providerId: string;
  chatroom: ChatroomStub;
  author: IwerpParticipantStub | null;
  text: string | null;
  attachments: Attachment[];
  reactions: Reaction[];
  completed: boolean | null;
  createdAt: Date | null;
  updatedAt: Date | null;
  deleted: boolean;
}

/** A page of chatrooms as a vendor lists them. */
export interface ChatroomPage {
  chatrooms: Chatroom[];
  total: number | null;
}

/**
 * The display-name rule of the contract, shared by every vendor: the vendor's own display name,
 * else nickname, else first and last name, else username, else `User <id>` (documented fallback).
 */
export function displayNameOf(candidates: {
  providerId: string;
  name?: string | null;
  nickname?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  username?: string | null;
}): string {
  const clean = (s: string | null | undefined) => (s ?? '').trim();
  const fullName = [clean(candidates.firstName), clean(candidates.lastName)].filter(Boolean).join(' ');
  return (
    clean(candidates.name) ||
    clean(candidates.nickname) ||
    fullName ||
    clean(candidates.username) ||
    `User ${candidates.providerId}`
  );
}

/** Every object that implements Node; `typename` names its GraphQL type. */
export type NodeShape = AnyChatroom | AnyParticipant | Message | Reaction;

/** What a client may do with a chatroom, decided by its vendor and kind. */
export interface Capabilities {
  canSendMessage: boolean;
  canUpdate: boolean;
  canDelete: boolean;
  canSetAvatar: boolean;
}

export const NO_CAPABILITIES: Readonly<Capabilities> = Object.freeze({
  canSendMessage: false,
  canUpdate: false,
  canDelete: false,
  canSetAvatar: false,
});
