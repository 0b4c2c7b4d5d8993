/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** RFC 3339 date-time, always normalized to UTC with a trailing Z, e.g. 2023-10-06T13:41:09.123Z. */
  DateTime: { input: string; output: string; }
  /** A file sent as a GraphQL multipart request. */
  Upload: { input: File; output: File; }
};

/** A Popsell ambassador in a chatroom; per-room fields come from the pivot entry of that chatroom. */
export type Ambassador = Node & Participant & {
  __typename?: 'Ambassador';
  /** Popsell active, as sent. */
  active?: Maybe<Scalars['Int']['output']>;
  /** Popsell anonymized. */
  anonymized?: Maybe<Scalars['Boolean']['output']>;
  /** Archived this chatroom (pivot archived). */
  archived?: Maybe<Scalars['Boolean']['output']>;
  /** Avatar URL (IW-ERP image_url, Popsell image). */
  avatarUrl?: Maybe<Scalars['String']['output']>;
  /** May write in the chatroom (IW-ERP can_write). */
  canWrite?: Maybe<Scalars['Boolean']['output']>;
  /** Popsell customer_id. */
  customerId?: Maybe<Scalars['String']['output']>;
  /** Marked deleted by the vendor (IW-ERP); false where the vendor has no such flag. */
  deleted: Scalars['Boolean']['output'];
  /** Never empty: the vendor's own display name where it sends one (IW-ERP `name`), else nickname, else first and last name, else username, else the fallback `User <providerId>` (all Messenger users, who come as bare ids). The same person reads the same whichever path reached them. */
  displayName: Scalars['String']['output'];
  /** Popsell email. */
  email?: Maybe<Scalars['String']['output']>;
  /** First name (IW-ERP first_name, Popsell firstname). */
  firstName?: Maybe<Scalars['String']['output']>;
  /** Opaque global ID; it carries the vendor and what that vendor needs to fetch the object again. */
  id: Scalars['ID']['output'];
  /** Administers the chatroom (IW-ERP room_admin). */
  isAdmin?: Maybe<Scalars['Boolean']['output']>;
  /** Blocked in this chatroom (pivot is_blocked). */
  isBlocked?: Maybe<Scalars['Boolean']['output']>;
  /** Has muted the chatroom (IW-ERP is_muted). */
  isMuted?: Maybe<Scalars['Boolean']['output']>;
  /** Popsell last_action_date. */
  lastActiveAt?: Maybe<Scalars['DateTime']['output']>;
  /** Last name (IW-ERP last_name, Popsell lastname). */
  lastName?: Maybe<Scalars['String']['output']>;
  /** Last read the chatroom (IW-ERP last_read_at; null for ambassadors, whose vendor sends a message id instead). */
  lastReadAt?: Maybe<Scalars['DateTime']['output']>;
  /** The last message read in this chatroom (pivot last_read_message, a message id). */
  lastReadMessageId?: Maybe<Scalars['String']['output']>;
  /** Active in the last 5 minutes (Popsell online). */
  online?: Maybe<Scalars['Boolean']['output']>;
  /** The vendor. */
  provider: Provider;
  /** The vendor's own identifier, as a string. */
  providerId: Scalars['String']['output'];
  /** Popsell status, as sent. */
  status?: Maybe<Scalars['Int']['output']>;
  /** Popsell username. */
  username?: Maybe<Scalars['String']['output']>;
};

/** A file attached to a message (IW-ERP). */
export type Attachment = {
  __typename?: 'Attachment';
  /** Uploaded (IW-ERP created). */
  createdAt?: Maybe<Scalars['DateTime']['output']>;
  /** Username of the uploader (IW-ERP createdbyusername). */
  createdBy?: Maybe<Scalars['String']['output']>;
  /** File name. */
  filename?: Maybe<Scalars['String']['output']>;
  /** IW-ERP googleid: the file in Google storage. */
  googleId?: Maybe<Scalars['String']['output']>;
  /** MIME type (IW-ERP mimetype). */
  mimeType?: Maybe<Scalars['String']['output']>;
  /** The vendor's identifier of the attachment. */
  providerId: Scalars['String']['output'];
  /** IW-ERP scope, as sent. */
  scope?: Maybe<Scalars['String']['output']>;
  /** Bytes; null when the vendor's value is not a whole number (IW-ERP sends filesize as a string). */
  size?: Maybe<Scalars['Int']['output']>;
};

/** A chatroom of any vendor. Fields a vendor does not have are null; their descriptions say which vendor fills them. */
export type Chatroom = Node & {
  __typename?: 'Chatroom';
  /** Popsell: the brand the chatroom was read in. */
  brandId?: Maybe<Scalars['Int']['output']>;
  /** What a client may do with the chatroom. */
  capabilities: ChatroomCapabilities;
  /** Created (IW-ERP created, Popsell date_insert). */
  createdAt?: Maybe<Scalars['DateTime']['output']>;
  /** Deleted at the vendor (IW-ERP); false where the vendor has no such flag. */
  deleted: Scalars['Boolean']['output'];
  /** Popsell: who talks in it (type_discussion). */
  discussionType?: Maybe<PopsellDiscussionType>;
  /** Popsell: at least two authors wrote in it (established_dialogue; true when the vendor sends a date). */
  establishedDialogue?: Maybe<Scalars['Boolean']['output']>;
  /** Popsell: the date established_dialogue carries, when it carries one (read as UTC). */
  establishedDialogueAt?: Maybe<Scalars['DateTime']['output']>;
  /** Messenger: the event of an event chatroom (eventID, passed through as sent). */
  eventId?: Maybe<Scalars['Int']['output']>;
  /** Opaque global ID; it carries the vendor and what that vendor needs to fetch the object again. */
  id: Scalars['ID']['output'];
  /** Image or avatar URL (IW-ERP image_url, Messenger avatarURL). */
  imageUrl?: Maybe<Scalars['String']['output']>;
  /** The kind of chatroom. */
  kind: ChatroomKind;
  /** Time of the last message (Popsell last_message_date). */
  lastMessageAt?: Maybe<Scalars['DateTime']['output']>;
  /** Popsell: the last rating. */
  lastRating?: Maybe<ChatroomRating>;
  /** When the calling user last read it (IW-ERP last_read_at). */
  lastReadAt?: Maybe<Scalars['DateTime']['output']>;
  /** Popsell: the last summary. */
  lastSummary?: Maybe<ChatroomSummary>;
  /** Display name (IW-ERP, Messenger; Popsell rooms have none). */
  name?: Maybe<Scalars['String']['output']>;
  /** Messenger: the organization (organizationID). */
  organizationId?: Maybe<Scalars['Int']['output']>;
  /** The people in the chatroom: IW-ERP participants, Popsell ambassadors or Messenger users. */
  participants: Array<Participant>;
  /** The vendor. */
  provider: Provider;
  /** The vendor's own identifier, as a string. */
  providerId: Scalars['String']['output'];
  /** Messenger: when the vendor will delete it (scheduledDeletion; null in every documented example). */
  scheduledDeletionAt?: Maybe<Scalars['DateTime']['output']>;
  /** Popsell: where it came from (source). */
  source?: Maybe<PopsellSource>;
  /** Last changed (IW-ERP updated). */
  updatedAt?: Maybe<Scalars['DateTime']['output']>;
};


/** A chatroom of any vendor. Fields a vendor does not have are null; their descriptions say which vendor fills them. */
export type ChatroomParticipantsArgs = {
  includeDeleted?: InputMaybe<Scalars['Boolean']['input']>;
};

/** What the vendor lets a client do with this chatroom; a mutation it does not allow answers UNSUPPORTED_BY_PROVIDER. */
export type ChatroomCapabilities = {
  __typename?: 'ChatroomCapabilities';
  /** deleteChatroom works (custom Messenger chatrooms). */
  canDelete: Scalars['Boolean']['output'];
  /** sendMessage works (any Messenger chatroom). */
  canSendMessage: Scalars['Boolean']['output'];
  /** setChatroomAvatar works (custom Messenger chatrooms). */
  canSetAvatar: Scalars['Boolean']['output'];
  /** updateChatroom works (custom Messenger chatrooms). */
  canUpdate: Scalars['Boolean']['output'];
};

/** A chatroom as the gateway last saw it at its vendor, and what changed since the previous event. */
export type ChatroomChange = {
  __typename?: 'ChatroomChange';
  /** What changed, in the enum order; [INITIAL] first. */
  changes: Array<ChatroomChangeKind>;
  /** Null once the chatroom is deleted. */
  chatroom?: Maybe<Chatroom>;
  /** When the gateway saw this state at the vendor. */
  observedAt: Scalars['DateTime']['output'];
  /** Who joined since the previous event. */
  participantsJoined: Array<Participant>;
  /** Who left since the previous event, or is now flagged deleted (as last seen). */
  participantsLeft: Array<Participant>;
};

/** What changed in a chatroom since the previous event. */
export enum ChatroomChangeKind {
  /** The chatroom is gone (vendor 404 or flagged deleted); the last event of the stream. */
  Deleted = 'DELETED',
  /** The image or avatar changed. */
  ImageChanged = 'IMAGE_CHANGED',
  /** The first event: the current state. */
  Initial = 'INITIAL',
  /** The room's last-message time moved: a new message exists (the vendors list no messages). */
  NewActivity = 'NEW_ACTIVITY',
  /** Something else changed (kind, organization, dates...). */
  Other = 'OTHER',
  /** Participants joined (see participantsJoined). */
  ParticipantsJoined = 'PARTICIPANTS_JOINED',
  /** Participants left, or the vendor flags them deleted (see participantsLeft). */
  ParticipantsLeft = 'PARTICIPANTS_LEFT',
  /** A participant's own fields changed (name, role, muted, blocked, archived...). */
  ParticipantUpdated = 'PARTICIPANT_UPDATED',
  /** An ambassador came online or went offline, or was last active at another time (Popsell). */
  Presence = 'PRESENCE',
  /** The last rating changed (Popsell). */
  Rating = 'RATING',
  /** Someone read further: a participant's or the room's read mark moved. */
  ReadMarks = 'READ_MARKS',
  /** The name changed. */
  Renamed = 'RENAMED',
  /** The time the vendor will delete the room changed (Messenger). */
  ScheduledDeletion = 'SCHEDULED_DELETION',
  /** The last summary changed (Popsell). */
  Summary = 'SUMMARY'
}

/** A Relay connection of chatrooms over the vendor's offset/limit list. */
export type ChatroomConnection = {
  __typename?: 'ChatroomConnection';
  /** The chatrooms of this page. */
  edges: Array<ChatroomEdge>;
  /** Where this page stands. */
  pageInfo: PageInfo;
  /** All chatrooms in the list, as the vendor counts them. */
  totalCount?: Maybe<Scalars['Int']['output']>;
};

/** A chatroom in a connection. */
export type ChatroomEdge = {
  __typename?: 'ChatroomEdge';
  /** Opaque position of this edge. */
  cursor: Scalars['String']['output'];
  /** The chatroom. */
  node: Chatroom;
};

/** What kind of chatroom it is; UNKNOWN where the vendor does not say or says something new. */
export enum ChatroomKind {
  /** A chatroom created by users (Messenger type "custom"). */
  Custom = 'CUSTOM',
  /** One to one (Popsell type_chatroom 0). */
  Direct = 'DIRECT',
  /** The chatroom of an event (Messenger type "event"). */
  Event = 'EVENT',
  /** One to many (Popsell type_chatroom 7). */
  Group = 'GROUP',
  /** An organization's default chatroom (Messenger type "default"). */
  OrganizationDefault = 'ORGANIZATION_DEFAULT',
  /** Not stated (every IW-ERP chatroom) or a value the gateway does not know. */
  Unknown = 'UNKNOWN'
}

/** What changed in a list of chatrooms since the previous event. */
export type ChatroomListChange = {
  __typename?: 'ChatroomListChange';
  /** The whole list on the first event; afterwards what was added since the previous event. */
  added: Array<Chatroom>;
  /** Chatrooms still in the list whose state changed. */
  changed: Array<Chatroom>;
  /** When the gateway saw this list at the vendor. */
  observedAt: Scalars['DateTime']['output'];
  /** The IDs of chatrooms that left the list (or that the vendor now flags deleted). */
  removed: Array<Scalars['ID']['output']>;
  /** All chatrooms in the list, as the vendor counts them. */
  totalCount?: Maybe<Scalars['Int']['output']>;
};

/** Popsell's last rating of a chatroom. */
export type ChatroomRating = {
  __typename?: 'ChatroomRating';
  /** The comment given with it. */
  comment?: Maybe<Scalars['String']['output']>;
  /** The rating value (Popsell `last_rating.value`). */
  value?: Maybe<Scalars['Int']['output']>;
};

/** Popsell's last automatic summary of a chatroom. */
export type ChatroomSummary = {
  __typename?: 'ChatroomSummary';
  /** Popsell anomaly code. */
  anomaly?: Maybe<Scalars['Int']['output']>;
  /** When it was made; null when the vendor value is not a date (it is typed a plain string). */
  createdAt?: Maybe<Scalars['DateTime']['output']>;
  /** The summary text. */
  summary?: Maybe<Scalars['String']['output']>;
  /** Popsell topic code. */
  topic?: Maybe<Scalars['Int']['output']>;
};

/** A new custom Messenger chatroom. */
export type CreateChatroomInput = {
  /** The Messenger users in it: at most 1000 ids, repeats counted (a write drops them). */
  assignedUserIds: Array<Scalars['Int']['input']>;
  /** Its name, 1 to 255 characters. */
  name: Scalars['String']['input'];
  /** The Messenger organization it belongs to. */
  organizationId: Scalars['Int']['input'];
};

/** A participant of an IW-ERP chatroom. */
export type IwerpParticipant = Node & Participant & {
  __typename?: 'IwerpParticipant';
  /** IW-ERP ai_number_of_context_messages. */
  aiNumberOfContextMessages?: Maybe<Scalars['Int']['output']>;
  /** IW-ERP auto_created. */
  autoCreated?: Maybe<Scalars['Boolean']['output']>;
  /** IW-ERP auto_reply: an automatic (AI) participant. */
  autoReply?: Maybe<Scalars['Boolean']['output']>;
  /** Avatar URL (IW-ERP image_url, Popsell image). */
  avatarUrl?: Maybe<Scalars['String']['output']>;
  /** May write in the chatroom (IW-ERP can_write). */
  canWrite?: Maybe<Scalars['Boolean']['output']>;
  /** IW-ERP created. */
  createdAt?: Maybe<Scalars['DateTime']['output']>;
  /** Marked deleted by the vendor (IW-ERP); false where the vendor has no such flag. */
  deleted: Scalars['Boolean']['output'];
  /** Never empty: the vendor's own display name where it sends one (IW-ERP `name`), else nickname, else first and last name, else username, else the fallback `User <providerId>` (all Messenger users, who come as bare ids). The same person reads the same whichever path reached them. */
  displayName: Scalars['String']['output'];
  /** First name (IW-ERP first_name, Popsell firstname). */
  firstName?: Maybe<Scalars['String']['output']>;
  /** Opaque global ID; it carries the vendor and what that vendor needs to fetch the object again. */
  id: Scalars['ID']['output'];
  /** Administers the chatroom (IW-ERP room_admin). */
  isAdmin?: Maybe<Scalars['Boolean']['output']>;
  /** Has muted the chatroom (IW-ERP is_muted). */
  isMuted?: Maybe<Scalars['Boolean']['output']>;
  /** Last name (IW-ERP last_name, Popsell lastname). */
  lastName?: Maybe<Scalars['String']['output']>;
  /** Last read the chatroom (IW-ERP last_read_at; null for ambassadors, whose vendor sends a message id instead). */
  lastReadAt?: Maybe<Scalars['DateTime']['output']>;
  /** IW-ERP nickname. */
  nickname?: Maybe<Scalars['String']['output']>;
  /** IW-ERP participant_type, as sent. */
  participantType?: Maybe<Scalars['String']['output']>;
  /** IW-ERP preferred_color_hex. */
  preferredColorHex?: Maybe<Scalars['String']['output']>;
  /** The vendor. */
  provider: Provider;
  /** The vendor's own identifier, as a string. */
  providerId: Scalars['String']['output'];
  /** IW-ERP updated. */
  updatedAt?: Maybe<Scalars['DateTime']['output']>;
};

/** A chat message. Only IW-ERP lets a message be read; the other vendors answer UNSUPPORTED_BY_PROVIDER. */
export type Message = Node & {
  __typename?: 'Message';
  /** Attached files. */
  attachments: Array<Attachment>;
  /** Who wrote it; null when the vendor does not say. Name and image come with the message. */
  author?: Maybe<Participant>;
  /** The chatroom; id, name, image and timestamps come with the message, other fields fetch the chatroom. */
  chatroom: Chatroom;
  /** IW-ERP completed (a task-like message done). */
  completed?: Maybe<Scalars['Boolean']['output']>;
  /** IW-ERP created. */
  createdAt?: Maybe<Scalars['DateTime']['output']>;
  /** Deleted at the vendor (IW-ERP deleted). */
  deleted: Scalars['Boolean']['output'];
  /** Opaque global ID; it carries the vendor and what that vendor needs to fetch the object again. */
  id: Scalars['ID']['output'];
  /** The vendor. */
  provider: Provider;
  /** The vendor's own identifier, as a string. */
  providerId: Scalars['String']['output'];
  /** Reactions to the message. */
  reactions: Array<Reaction>;
  /** The text (IW-ERP message_text). */
  text?: Maybe<Scalars['String']['output']>;
  /** IW-ERP updated. */
  updatedAt?: Maybe<Scalars['DateTime']['output']>;
};


/** A chat message. Only IW-ERP lets a message be read; the other vendors answer UNSUPPORTED_BY_PROVIDER. */
export type MessageReactionsArgs = {
  includeDeleted?: InputMaybe<Scalars['Boolean']['input']>;
};

/** A message as the gateway last saw it at its vendor, and what changed since the previous event. */
export type MessageChange = {
  __typename?: 'MessageChange';
  /** What changed, in the enum order; [INITIAL] first. */
  changes: Array<MessageChangeKind>;
  /** Null once the message is deleted. */
  message?: Maybe<Message>;
  /** When the gateway saw this state at the vendor. */
  observedAt: Scalars['DateTime']['output'];
};

/** What changed in a message since the previous event. */
export enum MessageChangeKind {
  /** The attached files changed. */
  Attachments = 'ATTACHMENTS',
  /** The completed flag changed. */
  Completed = 'COMPLETED',
  /** The message is gone (vendor 404 or flagged deleted); the last event of the stream. */
  Deleted = 'DELETED',
  /** The text changed. */
  Edited = 'EDITED',
  /** The first event: the current state. */
  Initial = 'INITIAL',
  /** Something else changed (author, dates, its chatroom as the message carries it...). */
  Other = 'OTHER',
  /** A reaction was added, changed or withdrawn. */
  Reactions = 'REACTIONS'
}

/** A user assigned to a Messenger chatroom. Messenger sends bare user ids, so only the id is known. */
export type MessengerUser = Node & Participant & {
  __typename?: 'MessengerUser';
  /** Avatar URL (IW-ERP image_url, Popsell image). */
  avatarUrl?: Maybe<Scalars['String']['output']>;
  /** May write in the chatroom (IW-ERP can_write). */
  canWrite?: Maybe<Scalars['Boolean']['output']>;
  /** Marked deleted by the vendor (IW-ERP); false where the vendor has no such flag. */
  deleted: Scalars['Boolean']['output'];
  /** Never empty: the vendor's own display name where it sends one (IW-ERP `name`), else nickname, else first and last name, else username, else the fallback `User <providerId>` (all Messenger users, who come as bare ids). The same person reads the same whichever path reached them. */
  displayName: Scalars['String']['output'];
  /** First name (IW-ERP first_name, Popsell firstname). */
  firstName?: Maybe<Scalars['String']['output']>;
  /** Opaque global ID; it carries the vendor and what that vendor needs to fetch the object again. */
  id: Scalars['ID']['output'];
  /** Administers the chatroom (IW-ERP room_admin). */
  isAdmin?: Maybe<Scalars['Boolean']['output']>;
  /** Has muted the chatroom (IW-ERP is_muted). */
  isMuted?: Maybe<Scalars['Boolean']['output']>;
  /** Last name (IW-ERP last_name, Popsell lastname). */
  lastName?: Maybe<Scalars['String']['output']>;
  /** Last read the chatroom (IW-ERP last_read_at; null for ambassadors, whose vendor sends a message id instead). */
  lastReadAt?: Maybe<Scalars['DateTime']['output']>;
  /** The vendor. */
  provider: Provider;
  /** The vendor's own identifier, as a string. */
  providerId: Scalars['String']['output'];
};

/** Writes; each says which vendors support it. Never retried. */
export type Mutation = {
  __typename?: 'Mutation';
  /** Messenger: a new custom chatroom (POST /chatroom). IW-ERP and Popsell have no such operation. */
  createChatroom: Chatroom;
  /** Messenger: creates an organization's default chatroom (POST /chatroom/default/{organizationID}). */
  createDefaultChatroom: Chatroom;
  /** Returns the ID of the deleted chatroom. Messenger, custom chatrooms only (DELETE /chatroom/{roomID}); other kinds and vendors answer UNSUPPORTED_BY_PROVIDER. */
  deleteChatroom: Scalars['ID']['output'];
  /** Messenger: removes an organization's default chatroom (DELETE /chatroom/default/{organizationID}); true once removed. */
  removeDefaultChatroom: Scalars['Boolean']['output'];
  /** Messenger, any chatroom (POST /chatroom/{roomID}/message). IW-ERP and Popsell chatrooms answer UNSUPPORTED_BY_PROVIDER. Sent once, never retried. */
  sendMessage: SendMessagePayload;
  /** A null avatar removes it. Messenger, custom chatrooms only (PUT /chatroom/{roomID}/avatar with the image bytes); other kinds and vendors answer UNSUPPORTED_BY_PROVIDER. Send the file as a GraphQL multipart request with an x-graphql-yoga-csrf or graphql-preflight header. */
  setChatroomAvatar: Chatroom;
  /** Messenger, custom chatrooms only (PUT /chatroom/{roomID}); other kinds and vendors answer UNSUPPORTED_BY_PROVIDER. */
  updateChatroom: Chatroom;
};


/** Writes; each says which vendors support it. Never retried. */
export type MutationCreateChatroomArgs = {
  input: CreateChatroomInput;
};


/** Writes; each says which vendors support it. Never retried. */
export type MutationCreateDefaultChatroomArgs = {
  organizationId: Scalars['Int']['input'];
};


/** Writes; each says which vendors support it. Never retried. */
export type MutationDeleteChatroomArgs = {
  id: Scalars['ID']['input'];
};


/** Writes; each says which vendors support it. Never retried. */
export type MutationRemoveDefaultChatroomArgs = {
  organizationId: Scalars['Int']['input'];
};


/** Writes; each says which vendors support it. Never retried. */
export type MutationSendMessageArgs = {
  chatroomId: Scalars['ID']['input'];
  text: Scalars['String']['input'];
};


/** Writes; each says which vendors support it. Never retried. */
export type MutationSetChatroomAvatarArgs = {
  avatar?: InputMaybe<Scalars['Upload']['input']>;
  id: Scalars['ID']['input'];
};


/** Writes; each says which vendors support it. Never retried. */
export type MutationUpdateChatroomArgs = {
  id: Scalars['ID']['input'];
  input: UpdateChatroomInput;
};

/** An object with a global ID: node(id:) fetches it again. */
export type Node = {
  /** Opaque global ID; it carries the vendor and what that vendor needs to fetch the object again. */
  id: Scalars['ID']['output'];
};

/** Relay page information. */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** Cursor of the last edge; pass it as `after` for the next page. */
  endCursor?: Maybe<Scalars['String']['output']>;
  /** More items follow endCursor. */
  hasNextPage: Scalars['Boolean']['output'];
  /** Items precede startCursor. */
  hasPreviousPage: Scalars['Boolean']['output'];
  /** Cursor of the first edge; null on an empty page. */
  startCursor?: Maybe<Scalars['String']['output']>;
};

/** Someone in a chatroom: an IW-ERP participant, a Popsell ambassador, or a Messenger user. */
export type Participant = {
  /** Avatar URL (IW-ERP image_url, Popsell image). */
  avatarUrl?: Maybe<Scalars['String']['output']>;
  /** May write in the chatroom (IW-ERP can_write). */
  canWrite?: Maybe<Scalars['Boolean']['output']>;
  /** Marked deleted by the vendor (IW-ERP); false where the vendor has no such flag. */
  deleted: Scalars['Boolean']['output'];
  /** Never empty: the vendor's own display name where it sends one (IW-ERP `name`), else nickname, else first and last name, else username, else the fallback `User <providerId>` (all Messenger users, who come as bare ids). The same person reads the same whichever path reached them. */
  displayName: Scalars['String']['output'];
  /** First name (IW-ERP first_name, Popsell firstname). */
  firstName?: Maybe<Scalars['String']['output']>;
  /** Opaque global ID; it carries the vendor and what that vendor needs to fetch the object again. */
  id: Scalars['ID']['output'];
  /** Administers the chatroom (IW-ERP room_admin). */
  isAdmin?: Maybe<Scalars['Boolean']['output']>;
  /** Has muted the chatroom (IW-ERP is_muted). */
  isMuted?: Maybe<Scalars['Boolean']['output']>;
  /** Last name (IW-ERP last_name, Popsell lastname). */
  lastName?: Maybe<Scalars['String']['output']>;
  /** Last read the chatroom (IW-ERP last_read_at; null for ambassadors, whose vendor sends a message id instead). */
  lastReadAt?: Maybe<Scalars['DateTime']['output']>;
  /** The vendor. */
  provider: Provider;
  /** The vendor's own identifier, as a string. */
  providerId: Scalars['String']['output'];
};

/** Who talks in a Popsell chatroom (`type_discussion`). */
export enum PopsellDiscussionType {
  /** 1: between external */
  External = 'EXTERNAL',
  /** 0: between members */
  Members = 'MEMBERS',
  /** 2: between members and external */
  MembersAndExternal = 'MEMBERS_AND_EXTERNAL',
  /** A value the document does not list. */
  Unknown = 'UNKNOWN'
}

/** Where a Popsell chatroom came from (`source`, sent as a number or a string). */
export enum PopsellSource {
  /** 0: direct */
  Direct = 'DIRECT',
  /** 2: hot_list */
  HotList = 'HOT_LIST',
  /** A value the document does not list. */
  Unknown = 'UNKNOWN',
  /** 1: waiting_list */
  WaitingList = 'WAITING_LIST'
}

/** The chat vendor behind an object. */
export enum Provider {
  /** IW-ERP chat */
  Iwerp = 'IWERP',
  /** The Messenger chat service */
  Messenger = 'MESSENGER',
  /** Popsell */
  Popsell = 'POPSELL'
}

/** Reads from every vendor. */
export type Query = {
  __typename?: 'Query';
  /** A chatroom by its global ID. */
  chatroom?: Maybe<Chatroom>;
  /** A chatroom by its vendor's own identifier; brandId is the Popsell brand (else the x-popsell-brand header). */
  chatroomByProviderId?: Maybe<Chatroom>;
  /** Many chatrooms, from any vendors, in one request; order kept, null where not found. */
  chatrooms: Array<Maybe<Chatroom>>;
  /** Messenger: the chatroom of an event. */
  eventChatroom?: Maybe<Chatroom>;
  /** A message by its global ID. */
  message?: Maybe<Message>;
  /** A message by its vendor's own identifier (IW-ERP only; others answer UNSUPPORTED_BY_PROVIDER). */
  messageByProviderId?: Maybe<Message>;
  /** Any object by its global ID; null with a NOT_FOUND error when the vendor no longer has it. */
  node?: Maybe<Node>;
  /** Many objects by global ID, in order; each one that fails is null with its error at its index. */
  nodes: Array<Maybe<Node>>;
  /** Messenger: an organization's chatrooms, or the calling user's when organizationId is omitted. A page over 50 is fetched as parallel vendor pages. Pages forward (first/after) or backward (last/before); cursors serve both ways. */
  organizationChatrooms?: Maybe<ChatroomConnection>;
};


/** Reads from every vendor. */
export type QueryChatroomArgs = {
  id: Scalars['ID']['input'];
};


/** Reads from every vendor. */
export type QueryChatroomByProviderIdArgs = {
  brandId?: InputMaybe<Scalars['Int']['input']>;
  provider: Provider;
  providerId: Scalars['String']['input'];
};


/** Reads from every vendor. */
export type QueryChatroomsArgs = {
  ids: Array<Scalars['ID']['input']>;
};


/** Reads from every vendor. */
export type QueryEventChatroomArgs = {
  eventId: Scalars['Int']['input'];
  organizationId: Scalars['Int']['input'];
};


/** Reads from every vendor. */
export type QueryMessageArgs = {
  id: Scalars['ID']['input'];
};


/** Reads from every vendor. */
export type QueryMessageByProviderIdArgs = {
  provider: Provider;
  providerId: Scalars['String']['input'];
};


/** Reads from every vendor. */
export type QueryNodeArgs = {
  id: Scalars['ID']['input'];
};


/** Reads from every vendor. */
export type QueryNodesArgs = {
  ids: Array<Scalars['ID']['input']>;
};


/** Reads from every vendor. */
export type QueryOrganizationChatroomsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
  organizationId?: InputMaybe<Scalars['Int']['input']>;
};

/** A reaction to a message (IW-ERP). */
export type Reaction = Node & {
  __typename?: 'Reaction';
  /** IW-ERP created. */
  createdAt?: Maybe<Scalars['DateTime']['output']>;
  /** Withdrawn (IW-ERP deleted). */
  deleted: Scalars['Boolean']['output'];
  /** The emoji; empty for an image reaction sent without one. */
  emoji: Scalars['String']['output'];
  /** Opaque global ID; it carries the vendor and what that vendor needs to fetch the object again. */
  id: Scalars['ID']['output'];
  /** Image of an image reaction (IW-ERP image_url). */
  imageUrl?: Maybe<Scalars['String']['output']>;
  /** Who reacted; null when the vendor does not say. */
  participant?: Maybe<Participant>;
  /** The vendor. */
  provider: Provider;
  /** The vendor's identifier of the reaction. */
  providerId: Scalars['String']['output'];
  /** IW-ERP updated. */
  updatedAt?: Maybe<Scalars['DateTime']['output']>;
};

/** A message that was sent. */
export type SendMessagePayload = {
  __typename?: 'SendMessagePayload';
  /** The chatroom, read after the message was sent. */
  chatroom: Chatroom;
  /** The text that was sent. */
  text: Scalars['String']['output'];
};

/** Real time over vendors that only answer polls: one poll per resource and credential scope, however many subscribers; the first event is the current state. */
export type Subscription = {
  __typename?: 'Subscription';
  /** A chatroom of any vendor: its current state, then an event each time a poll finds it changed (about every LIVE_POLL_INTERVAL_MS). Ends after DELETED, or after a 401/403 as a coded error. */
  chatroomChanged: ChatroomChange;
  /** IW-ERP: a message, then an event each time a poll finds it edited, reacted to, completed... Ends after DELETED, or after a 401/403 as a coded error. */
  messageChanged: MessageChange;
  /** Messenger: an organization's chatrooms (or the calling user's when organizationId is omitted). An organization's list is watched up to its first MAX_PAGE_SIZE chatrooms. */
  organizationChatroomsChanged: ChatroomListChange;
};


/** Real time over vendors that only answer polls: one poll per resource and credential scope, however many subscribers; the first event is the current state. */
export type SubscriptionChatroomChangedArgs = {
  id: Scalars['ID']['input'];
};


/** Real time over vendors that only answer polls: one poll per resource and credential scope, however many subscribers; the first event is the current state. */
export type SubscriptionMessageChangedArgs = {
  id: Scalars['ID']['input'];
};


/** Real time over vendors that only answer polls: one poll per resource and credential scope, however many subscribers; the first event is the current state. */
export type SubscriptionOrganizationChatroomsChangedArgs = {
  organizationId?: InputMaybe<Scalars['Int']['input']>;
};

/** The changes to a custom Messenger chatroom; only the fields set are sent. */
export type UpdateChatroomInput = {
  /** The new set of Messenger users in it: at most 1000 ids, repeats counted (a write drops them). */
  assignedUserIds?: InputMaybe<Array<Scalars['Int']['input']>>;
  /** A new name, 1 to 255 characters. */
  name?: InputMaybe<Scalars['String']['input']>;
};

export type MessageWithStubsQueryVariables = Exact<{
  id: string;
}>;


export type MessageWithStubsQuery = { messageByProviderId: { id: string, chatroom: { name: string | null }, author:
      | { displayName: string }
      | { displayName: string }
      | { displayName: string }
     | null } | null };


export const MessageWithStubsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"MessageWithStubs"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"messageByProviderId"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"provider"},"value":{"kind":"EnumValue","value":"IWERP"}},{"kind":"Argument","name":{"kind":"Name","value":"providerId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"chatroom"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"author"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"displayName"}}]}}]}}]}}]} as unknown as DocumentNode<MessageWithStubsQuery, MessageWithStubsQueryVariables>;