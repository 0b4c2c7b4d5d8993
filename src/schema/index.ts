import { lexicographicSortSchema } from 'graphql';
import { createBuilder, createRefs, type SchemaOptions } from './builder.js';
import { defineChatroom } from './types/Chatroom.js';
import { defineChatroomConnection } from './types/ChatroomConnection.js';
import { defineMessage } from './types/Message.js';
import { defineNode } from './types/Node.js';
import { defineParticipant } from './types/Participant.js';
import { defineScalars } from './types/scalars.js';

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
  return lexicographicSortSchema(builder.toSchema());
}
