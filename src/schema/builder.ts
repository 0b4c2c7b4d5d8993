/**
 * The Pothos builder and the references every type file shares. It defines no fields: each type
 * lives in src/schema/types/<Type>.ts, each mutation in src/schema/mutations/<name>.ts.
 */
import SchemaBuilder from '@pothos/core';
import type { Context } from '../context.js';
import type {
  Ambassador,
  AnyChatroom,
  AnyParticipant,
  Attachment,
  IwerpParticipant,
  IwerpParticipantStub,
  Message,
  MessengerUser,
  NodeShape,
  Reaction,
} from '../model/chat.js';

export interface SchemaOptions {
  /** EXPOSE_VENDOR_SECRETS: put vendor secrets (IW-ERP tokens and AI prompts, Popsell email_tmp) in the schema. */
  exposeVendorSecrets: boolean;
}

export function createBuilder() {
  return new SchemaBuilder<{
    Context: Context;
    Scalars: {
      DateTime: { Input: Date; Output: Date };
      Upload: { Input: File; Output: never };
    };
    DefaultFieldNullability: false;
  }>({ defaultFieldNullability: false });
}

export type Builder = ReturnType<typeof createBuilder>;

/** The type references, created first so type files can point at each other in any order. */
export function createRefs(builder: Builder) {
  return {
    Node: builder.interfaceRef<NodeShape>('Node'),
    Chatroom: builder.objectRef<AnyChatroom>('Chatroom'),
    Participant: builder.interfaceRef<AnyParticipant>('Participant'),
    IwerpParticipant: builder.objectRef<IwerpParticipant | IwerpParticipantStub>('IwerpParticipant'),
    Ambassador: builder.objectRef<Ambassador>('Ambassador'),
    MessengerUser: builder.objectRef<MessengerUser>('MessengerUser'),
    Message: builder.objectRef<Message>('Message'),
    Reaction: builder.objectRef<Reaction>('Reaction'),
    Attachment: builder.objectRef<Attachment>('Attachment'),
  };
}

export type Refs = ReturnType<typeof createRefs>;
