import { GatewayError } from '../../errors.js';
import type { Context } from '../../context.js';
import type { NodeShape } from '../../model/chat.js';
import { chatroomRefFromId, decodeGlobalId, globalIdOf, type DecodedId } from '../../model/globalId.js';
import type { Builder, Refs } from '../builder.js';

const notFound = (what: string, provider: DecodedId['provider']) =>
  new GatewayError('NOT_FOUND', `${provider} has no such ${what}.`, { provider });

/**
 * Fetches any Node again from its ID. Objects that live inside another one (participants in a
 * chatroom, reactions in a message) are found through the parent the ID carries, which a loader
 * fetches at most once per request.
 */
export async function loadNode(decoded: DecodedId, ctx: Context): Promise<NodeShape> {
  const { provider, parts } = decoded;
  switch (decoded.typename) {
    case 'Chatroom':
      return ctx.loaders.chatroom.load(chatroomRefFromId(decoded));
    case 'Message':
      return ctx.loaders.message.load({ provider, providerId: parts.message as string });
    case 'Reaction': {
      const message = await ctx.loaders.message.load({ provider, providerId: parts.message as string });
      const reaction = message.reactions.find((r) => r.providerId === parts.reaction);
      if (!reaction) throw notFound('reaction', provider);
      return reaction;
    }
    default: {
      const room = await ctx.loaders.chatroom.load(chatroomRefFromId(decoded));
      const participant = room.participants.find(
        (p) => p.typename === decoded.typename && p.providerId === parts.participant,
      );
      if (!participant) throw notFound('participant in that chatroom', provider);
      return participant;
    }
  }
}

export function defineNode(builder: Builder, refs: Refs) {
  refs.Node.implement({
    description: 'An object with a global ID: node(id:) fetches it again.',
    resolveType: (node) => node.typename,
    fields: (t) => ({
      id: t.id({
        description: 'Opaque global ID; it carries the vendor and what that vendor needs to fetch the object again.',
        resolve: (node) => globalIdOf(node),
      }),
    }),
  });

  builder.queryFields((t) => ({
    node: t.field({
      type: refs.Node,
      nullable: true,
      description: 'Any object by its global ID; null with a NOT_FOUND error when the vendor no longer has it.',
      args: { id: t.arg.id({ required: true, description: 'A global ID issued by this gateway.' }) },
      resolve: (_, args, ctx) => loadNode(decodeGlobalId(String(args.id)), ctx),
    }),
    nodes: t.field({
      type: [refs.Node],
      nullable: { list: false, items: true },
      description: 'Many objects by global ID, in order; each one that fails is null with its error at its index.',
      args: { ids: t.arg.idList({ required: true, description: 'Global IDs issued by this gateway.' }) },
      // Capped before the operation runs, with every other list of the operation (useArgumentLimits).
      resolve: (_, args, ctx) => args.ids.map(async (id, i) => loadNode(decodeGlobalId(String(id), `ids[${i}]`), ctx)),
    }),
  }));
}
