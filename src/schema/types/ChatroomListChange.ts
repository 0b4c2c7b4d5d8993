import { chatroomListChanges, type ChatroomListChangeEvent } from '../../live/changeStream.js';
import { chatroomListResource } from '../../live/resources.js';
import { globalIdOf } from '../../model/globalId.js';
import type { Builder, Refs } from '../builder.js';
import { requirePositive } from '../checks.js';
import { eventOrThrow } from './ChatroomChange.js';

export function defineChatroomListChange(builder: Builder, refs: Refs) {
  const ChatroomListChange = builder.objectRef<ChatroomListChangeEvent>('ChatroomListChange').implement({
    description: 'What changed in a list of chatrooms since the previous event.',
    fields: (t) => ({
      added: t.field({
        type: [refs.Chatroom],
        description: 'The whole list on the first event; afterwards what was added since the previous event.',
        resolve: (e) => e.added,
      }),
      removed: t.idList({
        description: 'The IDs of chatrooms that left the list (or that the vendor now flags deleted).',
        resolve: (e) => e.removed.map(globalIdOf),
      }),
      changed: t.field({ type: [refs.Chatroom], description: 'Chatrooms still in the list whose state changed.', resolve: (e) => e.changed }),
      totalCount: t.exposeInt('totalCount', { nullable: true, description: 'All chatrooms in the list, as the vendor counts them.' }),
      observedAt: t.expose('observedAt', { type: 'DateTime', description: 'When the gateway saw this list at the vendor.' }),
    }),
  });

  builder.subscriptionFields((t) => ({
    organizationChatroomsChanged: t.field({
      type: ChatroomListChange,
      description:
        "Messenger: an organization's chatrooms (or the calling user's when organizationId is omitted). An organization's list is watched up to its first MAX_PAGE_SIZE chatrooms.",
      args: { organizationId: t.arg.int({ description: 'The Messenger organization; omit for the chatrooms assigned to the caller.' }) },
      subscribe: (_, args, ctx) => {
        const organizationId = args.organizationId === null || args.organizationId === undefined ? null : requirePositive(args.organizationId, 'organizationId');
        const feed = ctx.live.watch(chatroomListResource(ctx.adapters.MESSENGER, organizationId, ctx.maxPageSize), ctx.credentials, { until: ctx.clientGone });
        return chatroomListChanges(feed, (observedAt) => ctx.live.delivered('MESSENGER', observedAt));
      },
      resolve: eventOrThrow,
    }),
  }));
}
