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

/**
 * The longest identifier accepted from a caller. No vendor documents a limit; the ids they issue
 * are numbers or short tokens, and a longer one only makes a vendor answer 414/431.
 */
const MAX_IDENTIFIER_LENGTH = 256;

/** A lone UTF-16 surrogate, which JSON text can carry: no URL can hold it (encodeURIComponent throws). */
const LONE_SURROGATE = /\p{Cs}/u;

/** Any caller-supplied identifier, whatever its vendor: at most MAX_IDENTIFIER_LENGTH characters of well-formed text. */
export function requireIdentifierText(value: string, provider: Provider, what: string): void {
  if (value.length > MAX_IDENTIFIER_LENGTH) throw badInput(`${what} must be at most ${MAX_IDENTIFIER_LENGTH} characters.`, provider);
  if (LONE_SURROGATE.test(value)) throw badInput(`${what} must be well-formed text (it holds a lone UTF-16 surrogate).`, provider);
}

/**
 * The largest number each vendor's document allows for an id, where its ids are numbers: Popsell
 * types them int32 (and a brand is a GraphQL Int), Messenger as JSON integers, exact up to 2^53−1.
 * IW-ERP's identifiers are strings.
 */
const NUMERIC_ID_MAX: Record<Provider, number | undefined> = {
  IWERP: undefined,
  POPSELL: 2 ** 31 - 1,
  MESSENGER: Number.MAX_SAFE_INTEGER,
};

/** The one spelling of a whole number: no sign, space, exponent, fraction or leading zero. */
const CANONICAL_DECIMAL = /^(0|[1-9][0-9]*)$/;

/**
 * Checks a caller-supplied vendor id before it can reach a vendor: requireIdentifierText, and
 * where the vendor's ids are numbers, a canonical decimal in its range (`03`, `+3`, `3e0` or `-0`
 * would otherwise reach it as 3 or 0, under an ID that is not the one the gateway issues).
 * Anything else is BAD_USER_INPUT.
 */
export function vendorId(provider: Provider, value: string, what: string): string {
  requireIdentifierText(value, provider, what);
  const max = NUMERIC_ID_MAX[provider];
  if (max === undefined) {
    if (value === '') throw badInput(`${what} must not be empty.`, provider);
    return value;
  }
  if (!CANONICAL_DECIMAL.test(value) || Number(value) > max) {
    throw badInput(`${what} must be a whole number from 0 to ${max}, written without sign or leading zeros.`, provider);
  }
  return value;
}

/** A numeric vendor id (a Popsell brand) as a number, by the rules of vendorId. */
export const numericVendorId = (provider: Provider, value: string, what: string): number => Number(vendorId(provider, value, what));

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Decodes any ID the gateway hands out; anything else is BAD_USER_INPUT naming the argument, other
 * spellings of an ID included (base64's unused trailing bits set, a part escaped otherwise, bytes
 * that are no UTF-8): an attacker's pass had `…MR` taken for `…MQ`, and `…MQA` reach a vendor's
 * path as `1%00`.
 */
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
  let decoded: string[];
  try {
    decoded = encoded.map((part) => decodeURIComponent(part));
  } catch {
    throw invalid();
  }
  layout.forEach((name, i) => {
    parts[name] = vendorId(provider as Provider, decoded[i] as string, `${argument}'s ${name} part`);
  });
  if (encodeGlobalId(typename as NodeTypename, provider as Provider, parts) !== id) throw invalid();
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
    // decodeGlobalId has checked the brand: a canonical decimal in Popsell's range.
    brandId: decoded.parts.brand === undefined ? null : Number(decoded.parts.brand),
  };
}
