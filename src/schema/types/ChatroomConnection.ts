import type { Context } from '../../context.js';
import { badInput } from '../../errors.js';
import type { Chatroom, ChatroomPage } from '../../model/chat.js';
import { MESSENGER_MAX_LIMIT } from '../../upstreams/messenger/index.js';
import type { Builder, Refs } from '../builder.js';
import { requirePositive } from '../checks.js';

/** A cursor is the opaque form of an item's offset in the vendor's list. */
export const encodeCursor = (offset: number) => Buffer.from(`offset:${offset}`).toString('base64url');

export function decodeCursor(cursor: string): number {
  const match = /^offset:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw badInput('after is not a cursor this gateway issued.');
  return Number(match[1]);
}

/** Splits `first` items from `offset` into vendor pages of at most `limit`, fetched in parallel. */
export function planPages(offset: number, first: number, limit = MESSENGER_MAX_LIMIT) {
  const pages: { offset: number; limit: number }[] = [];
  for (let start = offset; start < offset + first; start += limit) {
    pages.push({ offset: start, limit: Math.min(limit, offset + first - start) });
  }
  return pages;
}

interface ConnectionShape {
  chatrooms: Chatroom[];
  offset: number;
  total: number | null;
  hasNextPage: boolean;
}

async function organizationPage(organizationId: number, offset: number, first: number, ctx: Context) {
  const pages = await Promise.all(
    planPages(offset, first).map((page) =>
      ctx.adapters.MESSENGER.listOrganizationChatrooms(organizationId, page, ctx.credentials),
    ),
  );
  const chatrooms = pages.flatMap((p) => p.chatrooms);
  const total = pages[0]?.total ?? null;
  // Without a total, a full last page may have more behind it.
  const hasNextPage = total !== null ? offset + chatrooms.length < total : chatrooms.length === first;
  return { chatrooms, total, hasNextPage };
}

function assignedPage(list: ChatroomPage, offset: number, first: number) {
  const chatrooms = list.chatrooms.slice(offset, offset + first);
  return { chatrooms, total: list.chatrooms.length, hasNextPage: offset + first < list.chatrooms.length };
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
      description:
        "Messenger: an organization's chatrooms, or the calling user's when organizationId is omitted. A page over 50 is fetched as parallel vendor pages.",
      args: {
        organizationId: t.arg.int({ description: 'The Messenger organization; omit for the chatrooms assigned to the caller (personal-access-token).' }),
        first: t.arg.int({ defaultValue: 10, description: 'Page size, 1 to MAX_PAGE_SIZE (default setting 100).' }),
        after: t.arg.string({ description: 'The endCursor of the previous page.' }),
      },
      resolve: async (_, args, ctx) => {
        const first = args.first ?? 10;
        if (first < 1 || first > ctx.maxPageSize) throw badInput(`first must be from 1 to ${ctx.maxPageSize}.`);
        const offset = args.after ? decodeCursor(args.after) + 1 : 0;
        const page =
          args.organizationId === null || args.organizationId === undefined
            ? assignedPage(await ctx.adapters.MESSENGER.listAssignedChatrooms(ctx.credentials), offset, first)
            : await organizationPage(requirePositive(args.organizationId, 'organizationId'), offset, first, ctx);
        ctx.loaders.primeChatrooms(page.chatrooms);
        return { ...page, offset };
      },
    }),
  }));
}
