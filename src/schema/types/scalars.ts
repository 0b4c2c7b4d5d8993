import { GraphQLError } from 'graphql';
import { DateTimeISOResolver } from 'graphql-scalars';
import type { Builder } from '../builder.js';
import { PROVIDERS } from '../../model/provider.js';

/**
 * Scalars and enums shared by every type. DateTime reuses graphql-scalars' ISO scalar, which
 * serializes a Date with toISOString: always UTC with a trailing Z, as the contract wants.
 */
export function defineScalars(builder: Builder) {
  builder.addScalarType('DateTime', DateTimeISOResolver, {
    description: 'RFC 3339 date-time, always normalized to UTC with a trailing Z, e.g. 2023-10-06T13:41:09.123Z.',
  });
  // Only yoga's multipart parser puts a file in a variable: anything else a client sends (a string
  // or an object in a JSON body, a literal) reached the mutation as its file, an uncoded 500.
  const notAFile = () => new GraphQLError('An Upload is a file sent as a GraphQL multipart request (its part named in "map").');
  builder.scalarType('Upload', {
    description: 'A file sent as a GraphQL multipart request.',
    serialize: () => {
      throw new Error('Upload is an input-only scalar.');
    },
    // yoga's file is whatwg-node's, not Node's own File; no JSON value has a method.
    parseValue: (value) => {
      if (typeof (value as Partial<File> | null)?.stream === 'function') return value as File;
      throw notAFile();
    },
    parseLiteral: () => {
      throw notAFile();
    },
  });
  const Provider = builder.enumType('Provider', {
    description: 'The chat vendor behind an object.',
    values: Object.fromEntries(
      PROVIDERS.map((p) => [p, { description: { IWERP: 'IW-ERP chat', POPSELL: 'Popsell', MESSENGER: 'The Messenger chat service' }[p] }]),
    ),
  });
  const ChatroomKind = builder.enumType('ChatroomKind', {
    description: 'What kind of chatroom it is; UNKNOWN where the vendor does not say or says something new.',
    values: {
      DIRECT: { description: 'One to one (Popsell type_chatroom 0).' },
      GROUP: { description: 'One to many (Popsell type_chatroom 7).' },
      EVENT: { description: 'The chatroom of an event (Messenger type "event").' },
      ORGANIZATION_DEFAULT: { description: "An organization's default chatroom (Messenger type \"default\")." },
      CUSTOM: { description: 'A chatroom created by users (Messenger type "custom").' },
      UNKNOWN: { description: 'Not stated (every IW-ERP chatroom) or a value the gateway does not know.' },
    },
  });
  return { Provider, ChatroomKind };
}

export type Enums = ReturnType<typeof defineScalars>;
