import { Kind, type GraphQLResolveInfo } from 'graphql';
import type { Context } from '../../context.js';
import { badInput } from '../../errors.js';
import type { Chatroom, ChatroomPage } from '../../model/chat.js';
import type { Builder, Refs } from '../builder.js';
import { requirePositive } from '../checks.js';

/**
 * A cursor is the opaque form of an item's offset in the vendor's list, so the same cursor serves
 * as `after` (forward) and as `before` (backward).
 */
export const encodeCursor = (offset: number) => Buffer.from(`offset:${offset}`).toString('base64url');

/** The offset a cursor the gateway issued stands for; any other spelling of it is BAD_USER_INPUT. */
export function decodeCursor(cursor: string, argument = 'after'): number {
  const match = /^offset:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || encodeCursor(Number(match[1])) !== cursor) throw badInput(`${argument} is not a cursor this gateway issued.`);
  return Number(match[1]);
}

interface ConnectionShape {
  chatrooms: Chatroom[];
  offset: number;
  total: number | null;
  hasNextPage: boolean;
}

/** A window of the list: `count` items from `offset` forward, or the `count` before `before` (or the end). */
type Window = { offset: number; count: number } | { before: number | null; count: number };

/** Without a total, a full page may have more behind it. */
const hasMore = (end: number, total: number | null, full: boolean) => (total !== null ? end < total : full);

async function organizationPage(organizationId: number, window: Window, ctx: Context): Promise<ConnectionShape> {
  const messenger = ctx.adapters.MESSENGER;
  if ('before' in window && window.before === null) {
    const tail = await messenger.listLastOrganizationChatrooms(organizationId, window.count, ctx.credentials, { signal: ctx.callers.signal });
    return { ...tail, hasNextPage: false };
  }
  const offset = 'offset' in window ? window.offset : Math.max(0, (window.before ?? 0) - window.count);
  const limit = 'offset' in window ? window.count : (window.before ?? 0) - offset;
  if (limit === 0) return { chatrooms: [], offset, total: null, hasNextPage: true };
  const page = await messenger.listOrganizationChatrooms(organizationId, { offset, limit }, ctx.credentials, { signal: ctx.callers.signal });
  if ('before' in window) {
    // A cursor past the end (taken while the list was longer): the page is the list's tail, as
    // Relay has it; the vendor answered this one with the total.
    if (page.total === 0) return { chatrooms: [], offset: 0, total: 0, hasNextPage: false };
    if (page.total !== null && window.before! > page.total) return organizationPage(organizationId, { before: page.total, count: window.count }, ctx);
    // The `before` item itself follows this page.
    return { ...page, offset, hasNextPage: page.total === null || window.before! < page.total };
  }
  return { ...page, offset, hasNextPage: hasMore(offset + page.chatrooms.length, page.total, page.chatrooms.length === limit) };
}

function assignedPage(list: ChatroomPage, window: Window): ConnectionShape {
  const total = list.chatrooms.length;
  const end = 'offset' in window ? window.offset + window.count : Math.min(window.before ?? total, total);
  const offset = 'offset' in window ? window.offset : Math.max(0, end - window.count);
  return { chatrooms: list.chatrooms.slice(offset, end), offset, total, hasNextPage: end < total };
}

/** Whether the operation itself set the argument (a default or an unset variable does not). */
function setByCaller(info: GraphQLResolveInfo, name: string): boolean {
  const node = info.fieldNodes[0]?.arguments?.find((a) => a.name.value === name);
  if (!node) return false;
  return node.value.kind !== Kind.VARIABLE || info.variableValues[node.value.name.value] !== undefined;
}

interface PagingArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/**
 * Relay's two directions: `first`/`after` forward, `last`/`before` backward. Mixing them is refused
 * (offset paging has one direction per page); `first` keeps its default of 10 only going forward.
 */
function pagingWindow(args: PagingArgs, info: GraphQLResolveInfo, maxPageSize: number): Window {
  const backward = args.last != null || args.before != null;
  const count = (value: number, name: string) => {
    if (value < 1 || value > maxPageSize) throw badInput(`${name} must be from 1 to ${maxPageSize}.`);
    return value;
  };
  if (!backward) {
    const offset = args.after != null ? decodeCursor(args.after) + 1 : 0;
    return { offset, count: count(args.first ?? 10, 'first') };
  }
  if (args.after != null || (args.first != null && setByCaller(info, 'first'))) {
    throw badInput('Page forward with first and after, or backward with last and before; not both.');
  }
  const before = args.before != null ? decodeCursor(args.before, 'before') : null;
  return { before, count: count(args.last ?? 10, 'last') };
}

export function defineChatroomConnection(builder: Builder, refs: Refs) {
  const PageInfo = builder.objectRef<{ hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null }>('PageInfo').implement({
    description: 'Relay page information.',
    fields: (t) => ({
      hasNextPage: t.exposeBoolean('hasNextPage', { description: 'More items follow endCursor.' }),
      hasPreviousPage: t.exposeBoolean('hasPreviousPage', { description: 'Items precede startCursor.' }),
      startCursor: t.exposeString('startCursor', { nullable: true, description: 'Cursor of the first edge; null on an empty page.' }),
      endCursor: t.exposeString('endCursor', { nullable: true, description: 'Cursor of the last edge; pass it as `after` for the next page.' }),
    }),
  });

  const Edge = builder.objectRef<{ cursor: string; node: Chatroom }>('ChatroomEdge').implement({
    description: 'A chatroom in a connection.',
    fields: (t) => ({
      cursor: t.exposeString('cursor', { description: 'Opaque position of this edge.' }),
      node: t.field({ type: refs.Chatroom, description: 'The chatroom.', resolve: (edge) => edge.node }),
    }),
  });

  const Connection = builder.objectRef<ConnectionShape>('ChatroomConnection').implement({
    description: 'A Relay connection of chatrooms over the vendor\'s offset/limit list.',
    fields: (t) => ({
      edges: t.field({
        type: [Edge],
        description: 'The chatrooms of this page.',
        resolve: (c) => c.chatrooms.map((node, i) => ({ cursor: encodeCursor(c.offset + i), node })),
      }),
      pageInfo: t.field({
        type: PageInfo,
        description: 'Where this page stands.',
        resolve: (c) => ({
          hasNextPage: c.hasNextPage,
          hasPreviousPage: c.offset > 0,
          startCursor: c.chatrooms.length ? encodeCursor(c.offset) : null,
          endCursor: c.chatrooms.length ? encodeCursor(c.offset + c.chatrooms.length - 1) : null,
        }),
      }),
      totalCount: t.exposeInt('total', { nullable: true, description: 'All chatrooms in the list, as the vendor counts them.' }),
    }),
  });

  builder.queryFields((t) => ({
    organizationChatrooms: t.field({
      type: Connection,
      // As the contract says: a failure (no credential, vendor down) nulls this field only.
      nullable: true,
      description:
        "Messenger: an organization's chatrooms, or the calling user's when organizationId is omitted. A page over 50 is fetched as parallel vendor pages. Pages forward (first/after) or backward (last/before); cursors serve both ways.",
      args: {
        organizationId: t.arg.int({ description: 'The Messenger organization; omit for the chatrooms assigned to the caller (personal-access-token).' }),
        first: t.arg.int({ defaultValue: 10, description: 'Page size going forward, 1 to the MAX_PAGE_SIZE setting (100 unless set).' }),
        after: t.arg.string({ description: 'The endCursor of the previous page.' }),
        last: t.arg.int({ description: 'Page size going backward, 1 to MAX_PAGE_SIZE (default 10 when before is given); not with first or after.' }),
        before: t.arg.string({ description: 'The startCursor of the next page, to page backward; omit with last for the end of the list.' }),
      },
      resolve: async (_, args, ctx, info) => {
        const window = pagingWindow(args, info, ctx.maxPageSize);
        const organizationId = args.organizationId == null ? null : requirePositive(args.organizationId, 'organizationId');
        const page =
          organizationId === null
            ? assignedPage(await ctx.adapters.MESSENGER.listAssignedChatrooms(ctx.credentials, { signal: ctx.callers.signal }), window)
            : await organizationPage(organizationId, window, ctx);
        ctx.loaders.primeChatrooms(page.chatrooms);
        return page;
      },
    }),
  }));
}
