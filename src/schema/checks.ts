/**
 * Checks made before any vendor call: arguments, and for writes whether the chatroom's vendor and
 * kind allow the operation (its capabilities).
 */
import { defaultFieldResolver, type GraphQLSchema } from 'graphql';
import type { Context } from '../context.js';
import { GatewayError, afterWrite, badInput, unsupported } from '../errors.js';
import { chatroomResourceKey } from '../live/resources.js';
import { CHATROOM_KINDS, type Capabilities, type ChatroomRef } from '../model/chat.js';
import { chatroomRefFromId, decodeIdOf } from '../model/globalId.js';
import { PROVIDERS, type Provider } from '../model/provider.js';
import type { ChatroomWrites } from '../upstreams/adapter.js';

/** No vendor documents a limit; these keep names and messages to sizes a chat UI can show. */
export const MAX_NAME_LENGTH = 255;
export const MAX_MESSAGE_LENGTH = 10_000;
/**
 * Users one write assigns to a room: every read of the room answers each as a participant. Repeats
 * count, though a write drops them: the list is bounded as the client sent it, before any work.
 */
export const MAX_ASSIGNED_USERS = 1_000;

export function requireText(value: string, argument: string, max: number): string {
  if (value.trim() === '') throw badInput(`${argument} must not be empty.`);
  if (value.length > max) throw badInput(`${argument} must be at most ${max} characters.`);
  return value;
}

/** Organization, event and user ids are positive integers at Messenger. */
export function requirePositive(value: number, argument: string): number {
  if (value < 1) throw badInput(`${argument} must be a positive id.`);
  return value;
}

export function requireUserIds(ids: readonly number[], argument: string): number[] {
  if (ids.length > MAX_ASSIGNED_USERS) throw badInput(`${argument} may hold at most ${MAX_ASSIGNED_USERS} user ids, repeats counted, got ${ids.length}.`);
  ids.forEach((id, i) => requirePositive(id, `${argument}[${i}]`));
  return [...new Set(ids)];
}

/**
 * Resolves a chatroom ID argument to its vendor's writes, or fails: BAD_USER_INPUT for an ID that
 * is not a chatroom ID, UNSUPPORTED_BY_PROVIDER with no call for a read-only vendor, and after
 * reading the chatroom (through the request's loader) for a kind that does not allow it. When the
 * vendor allows the operation on every kind (sending on Messenger), the chatroom is not read.
 */
export async function writableChatroom(
  id: string,
  argument: string,
  capability: keyof Capabilities,
  operation: string,
  ctx: Context,
): Promise<{ ref: ChatroomRef; writes: ChatroomWrites }> {
  const ref = chatroomRefFromId(decodeIdOf('Chatroom', id, argument));
  const adapter = ctx.adapters[ref.provider];
  const kindsAllowing = (provider: Provider) => {
    const { writes, capabilities } = ctx.adapters[provider];
    return writes ? CHATROOM_KINDS.filter((kind) => capabilities(kind)[capability]) : [];
  };
  if (!adapter.writes) {
    const vendors = PROVIDERS.filter((provider) => kindsAllowing(provider).length > 0);
    throw unsupported(ref.provider, operation, `only ${vendors.join(' and ')} chatrooms allow it`);
  }
  const kinds = kindsAllowing(ref.provider);
  if (kinds.length === CHATROOM_KINDS.length) return { ref, writes: adapter.writes };
  const room = await ctx.loaders.chatroom.load(ref);
  if (!kinds.includes(room.kind)) {
    throw unsupported(ref.provider, `${operation} (this chatroom is ${room.kind})`, `only ${kinds.join(' and ')} chatrooms allow it`);
  }
  return { ref, writes: adapter.writes };
}

/**
 * After a write on a chatroom: the request's loader forgets it, and whoever polls it for live
 * subscribers (any credential, any instance) polls it now, so they see the change at once.
 */
export function written(ref: ChatroomRef, ctx: Context): void {
  ctx.loaders.chatroom.clear(ref);
  ctx.live.touch(ref.provider, chatroomResourceKey(ref));
}

/**
 * A read made after a write succeeded. The contract makes mutation results non-null, so if this
 * read fails the whole mutation is null: the error then says the write was applied (message and
 * `extensions.writeApplied`), so a client does not send it again — a second sendMessage would
 * post the message twice.
 */
export async function readAfterWrite<T>(read: Promise<T>): Promise<T> {
  try {
    return await read;
  } catch (error) {
    const failure = error instanceof GatewayError ? error : new GatewayError('UPSTREAM_ERROR', 'Reading the result failed.');
    throw afterWrite(failure, 'result');
  }
}

/**
 * Wraps each mutation field's resolver to record, in the request's context, the response key of a
 * root field whose write was made: it resolved, or failed reading after its write (writeApplied).
 * useAppliedWrites lists them when a later field's error nulls the whole answer.
 */
export function recordAppliedWrites(schema: GraphQLSchema): void {
  for (const field of Object.values(schema.getMutationType()?.getFields() ?? {})) {
    const resolve = field.resolve ?? defaultFieldResolver;
    field.resolve = async (source, args, ctx: Context, info) => {
      try {
        const value: unknown = await resolve(source, args, ctx, info);
        (ctx.appliedWrites ??= []).push(info.path.key as string);
        return value;
      } catch (error) {
        if ((error as GatewayError).extensions?.writeApplied) (ctx.appliedWrites ??= []).push(info.path.key as string);
        throw error;
      }
    };
  }
}
