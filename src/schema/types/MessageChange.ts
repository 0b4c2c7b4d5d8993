import { messageChanges, type MessageChangeEvent } from '../../live/changeStream.js';
import { messageResource } from '../../live/resources.js';
import { decodeIdOf } from '../../model/globalId.js';
import type { Builder, Refs } from '../builder.js';
import { eventOrThrow } from './ChatroomChange.js';

export function defineMessageChange(builder: Builder, refs: Refs, kinds: ReturnType<Builder['enumType']>) {
  const MessageChange = builder.objectRef<MessageChangeEvent>('MessageChange').implement({
    description: 'A message as the gateway last saw it at its vendor, and what changed since the previous event.',
    fields: (t) => ({
      message: t.field({ type: refs.Message, nullable: true, description: 'Null once the message is deleted.', resolve: (e) => e.message }),
      changes: t.field({ type: [kinds], description: 'What changed, in the enum order; [INITIAL] first.', resolve: (e) => e.changes }),
      observedAt: t.expose('observedAt', { type: 'DateTime', description: 'When the gateway saw this state at the vendor.' }),
    }),
  });

  builder.subscriptionFields((t) => ({
    messageChanged: t.field({
      type: MessageChange,
      description:
        'IW-ERP: a message, then an event each time a poll finds it edited, reacted to, completed... Ends after DELETED, or after a 401/403 as a coded error.',
      args: { id: t.arg.id({ required: true, description: 'A Message ID issued by this gateway.' }) },
      subscribe: (_, args, ctx) => {
        const { provider, parts } = decodeIdOf('Message', String(args.id));
        const feed = ctx.live.watch(messageResource(ctx.adapters[provider], provider, parts.message as string), ctx.credentials, { until: ctx.clientGone });
        return messageChanges(feed, (observedAt) => ctx.live.delivered(provider, observedAt));
      },
      resolve: eventOrThrow,
    }),
  }));
}
