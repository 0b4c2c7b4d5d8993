import { GraphQLLiveDirective } from '@envelop/live-query';
import { lexicographicSortSchema, specifiedDirectives } from 'graphql';
import { createBuilder, createRefs, type SchemaOptions } from './builder.js';
import { recordAppliedWrites } from './checks.js';
import { defineChatroom } from './types/Chatroom.js';
import { defineChatroomChange } from './types/ChatroomChange.js';
import { defineChatroomChangeKind } from './types/ChatroomChangeKind.js';
import { defineChatroomConnection } from './types/ChatroomConnection.js';
import { defineChatroomListChange } from './types/ChatroomListChange.js';
import { defineMessage } from './types/Message.js';
import { defineMessageChange } from './types/MessageChange.js';
import { defineMessageChangeKind } from './types/MessageChangeKind.js';
import { defineNode } from './types/Node.js';
import { defineParticipant } from './types/Participant.js';
import { defineScalars } from './types/scalars.js';
import { defineCreateChatroom } from './mutations/createChatroom.js';
import { defineCreateDefaultChatroom } from './mutations/createDefaultChatroom.js';
import { defineDeleteChatroom } from './mutations/deleteChatroom.js';
import { defineRemoveDefaultChatroom } from './mutations/removeDefaultChatroom.js';
import { defineSendMessage } from './mutations/sendMessage.js';
import { defineSetChatroomAvatar } from './mutations/setChatroomAvatar.js';
import { defineUpdateChatroom } from './mutations/updateChatroom.js';

/** Builds the GraphQL schema; options decide the opt-in parts (vendor secrets). */
export function buildSchema(options: SchemaOptions) {
  const builder = createBuilder();
  const refs = createRefs(builder);
  const enums = defineScalars(builder);
  builder.queryType({ description: 'Reads from every vendor.' });
  defineNode(builder, refs);
  defineChatroom(builder, refs, enums, options);
  defineChatroomConnection(builder, refs);
  defineParticipant(builder, refs, enums, options);
  defineMessage(builder, refs, enums);
  builder.mutationType({ description: 'Writes; each says which vendors support it. Never retried.' });
  defineCreateChatroom(builder, refs);
  defineUpdateChatroom(builder, refs);
  defineDeleteChatroom(builder);
  defineCreateDefaultChatroom(builder, refs);
  defineRemoveDefaultChatroom(builder);
  defineSetChatroomAvatar(builder, refs);
  defineSendMessage(builder, refs);
  builder.subscriptionType({ description: 'Real time over vendors that only answer polls: one poll per resource and credential scope, however many subscribers; the first event is the current state.' });
  defineChatroomChange(builder, refs, defineChatroomChangeKind(builder));
  defineChatroomListChange(builder, refs);
  defineMessageChange(builder, refs, defineMessageChangeKind(builder));
  // @live (from the live-query store that runs it): `if` and `throttle` are its optional arguments.
  const schema = lexicographicSortSchema(builder.toSchema({ directives: [...specifiedDirectives, GraphQLLiveDirective] }));
  recordAppliedWrites(schema);
  return schema;
}
