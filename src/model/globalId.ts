/**
 * Opaque global IDs. An ID is base64url of `Type:PROVIDER:part:part`, each part URI-encoded so a
 * vendor identifier holding `:` cannot shift the others. It carries everything needed to fetch
 * the object again: the Popsell brand, and for objects that only exist inside another one (an
 * IW-ERP participant, a reaction) the identifier of that parent.
 */
import { badInput } from '../errors.js';
import type { ChatroomRef, NodeShape } from './chat.js';
import { PROVIDERS, type Provider } from './provider.js';

/** The Node types and the parts their IDs carry after the provider, per provider. */
const LAYOUTS = {
  Chatroom: { IWERP: ['chatroom'], POPSELL: ['brand', 'chatroom'], MESSENGER: ['chatroom'] },
  Message: { IWERP: ['message'] },
  IwerpParticipant: { IWERP: ['chatroom', 'participant'] },
  Ambassador: { POPSELL: ['brand', 'chatroom', 'participant'] },
  MessengerUser: { MESSENGER: ['chatroom', 'participant'] },
  Reaction: { IWERP: ['message', 'reaction'] },
} as const satisfies Record<string, Partial<Record<Provider, readonly string[]>>>;

export type NodeTypename = keyof typeof LAYOUTS;
export type IdPart = 'chatroom' | 'brand' | 'message' | 'participant' | 'reaction';

export interface DecodedId {
  typename: NodeTypename;
  provider: Provider;
  parts: Partial<Record<IdPart, string>>;
}

export function encodeGlobalId(typename: NodeTypename, provider: Provider, parts: Partial<Record<IdPart, string>>) {
  const layout = (LAYOUTS[typename] as Partial<Record<Provider, readonly IdPart[]>>)[provider];
  if (!layout) throw new Error(`${typename} has no ${provider} ID layout`);
  const values = layout.map((name) => {
    const value = parts[name];
    if (value === undefined) throw new Error(`${typename} ID needs ${name}`);
    return encodeURIComponent(value);
  });
  return Buffer.from([typename, provider, ...values].join(':'), 'utf8').toString('base64url');
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Decodes any ID the gateway hands out; anything else is BAD_USER_INPUT naming the argument. */
export function decodeGlobalId(id: string, argument = 'id'): DecodedId {
  const invalid = () => badInput(`${argument} is not an ID this gateway issued.`);
  if (!BASE64URL.test(id)) throw invalid();
  const [typename, provider, ...encoded] = Buffer.from(id, 'base64url').toString('utf8').split(':');
  if (!typename || !Object.hasOwn(LAYOUTS, typename)) throw invalid();
  if (!PROVIDERS.includes(provider as Provider)) throw invalid();
  const layout = (LAYOUTS[typename as NodeTypename] as Partial<Record<Provider, readonly IdPart[]>>)[
    provider as Provider
  ];
  if (!layout || layout.length !== encoded.length) throw invalid();
  const parts: Partial<Record<IdPart, string>> = {};
  try {
    layout.forEach((name, i) => {
      parts[name] = decodeURIComponent(encoded[i] as string);
    });
  } catch {
    throw invalid();
  }
  return { typename: typename as NodeTypename, provider: provider as Provider, parts };
}

/** Decodes an ID that must be of one type, e.g. the `id` argument of `chatroom`. */
export function decodeIdOf(typename: NodeTypename, id: string, argument = 'id'): DecodedId {
  const decoded = decodeGlobalId(id, argument);
  if (decoded.typename !== typename) throw badInput(`${argument} is a ${decoded.typename} ID, not a ${typename} ID.`);
  return decoded;
}

const roomParts = (ref: ChatroomRef) => ({
  chatroom: ref.providerId,
  ...(ref.brandId !== null ? { brand: String(ref.brandId) } : {}),
});

/** The global ID of any Node the gateway hands out. */
export function globalIdOf(node: NodeShape): string {
  switch (node.typename) {
    case 'Chatroom':
      return encodeGlobalId('Chatroom', node.provider, roomParts(node));
    case 'Message':
      return encodeGlobalId('Message', node.provider, { message: node.providerId });
    case 'Reaction':
      return encodeGlobalId('Reaction', node.provider, { message: node.messageId, reaction: node.providerId });
    default:
      return encodeGlobalId(node.typename, node.provider, { ...roomParts(node.chatroom), participant: node.providerId });
  }
}

export function chatroomRefFromId(decoded: DecodedId): ChatroomRef {
  return {
    provider: decoded.provider,
    providerId: decoded.parts.chatroom as string,
    brandId: decoded.parts.brand === undefined ? null : Number(decoded.parts.brand),
  };
}
