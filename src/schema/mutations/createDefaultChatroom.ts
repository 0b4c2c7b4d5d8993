import type { Builder, Refs } from '../builder.js';
import { requirePositive } from '../checks.js';

export function defineCreateDefaultChatroom(builder: Builder, refs: Refs) {
  builder.mutationField('createDefaultChatroom', (t) =>
    t.field({
      type: refs.Chatroom,
      description: "Messenger: creates an organization's default chatroom (POST /chatroom/default/{organizationID}).",
      args: { organizationId: t.arg.int({ required: true, description: 'The Messenger organization.' }) },
      resolve: async (_, { organizationId }, ctx) => {
        const room = await ctx.adapters.MESSENGER.createDefaultChatroom(
          requirePositive(organizationId, 'organizationId'),
          ctx.credentials,
        );
        ctx.loaders.primeChatrooms([room]);
        return room;
      },
    }),
  );
}
