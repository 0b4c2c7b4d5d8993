import { GatewayError } from '../../errors.js';
import { chatroomChanges, type ChatroomChangeEvent } from '../../live/changeStream.js';
import { chatroomResource } from '../../live/resources.js';
import { chatroomRefFromId, decodeIdOf } from '../../model/globalId.js';
import type { Builder, Refs } from '../builder.js';

/** A final error travels the stream as itself; the field throws it, so the client gets it coded. */
export const eventOrThrow = <E>(event: E | GatewayError): E => {
  if (event instanceof GatewayError) throw event;
  return event;
};

export function defineChatroomChange(builder: Builder, refs: Refs, kinds: ReturnType<Builder['enumType']>) {
  const ChatroomChange = builder.objectRef<ChatroomChangeEvent>('ChatroomChange').implement({
    description: 'A chatroom as the gateway last saw it at its vendor, and what changed since the previous event.',
    fields: (t) => ({
      chatroom: t.field({
        type: refs.Chatroom,
        nullable: true,
        description: 'Null once the chatroom is deleted.',
        resolve: (e) => e.chatroom,
      }),
      changes: t.field({ type: [kinds], description: 'What changed, in the enum order; [INITIAL] first.', resolve: (e) => e.changes }),
      participantsJoined: t.field({
        type: [refs.Participant],
        description: 'Who joined since the previous event.',
        resolve: (e) => e.participantsJoined,
      }),
      participantsLeft: t.field({
        type: [refs.Participant],
        description: 'Who left since the previous event, or is now flagged deleted (as last seen).',
        resolve: (e) => e.participantsLeft,
      }),
      observedAt: t.expose('observedAt', { type: 'DateTime', description: 'When the gateway saw this state at the vendor.' }),
    }),
  });

  builder.subscriptionFields((t) => ({
    chatroomChanged: t.field({
      type: ChatroomChange,
      description:
        'A chatroom of any vendor: its current state, then an event each time a poll finds it changed (about every LIVE_POLL_INTERVAL_MS). Ends after DELETED, or after a 401/403 as a coded error.',
      args: { id: t.arg.id({ required: true, description: 'A Chatroom ID issued by this gateway.' }) },
      subscribe: (_, args, ctx) => {
        const ref = chatroomRefFromId(decodeIdOf('Chatroom', String(args.id)));
        const feed = ctx.live.watch(chatroomResource(ctx.adapters[ref.provider], ref), ctx.credentials, { until: ctx.clientGone });
        return chatroomChanges(feed, (observedAt) => ctx.live.delivered(ref.provider, observedAt));
      },
      resolve: eventOrThrow,
    }),
  }));
}
