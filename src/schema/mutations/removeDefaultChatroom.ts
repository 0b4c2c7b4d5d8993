import type { Builder } from '../builder.js';
import { requirePositive } from '../checks.js';

export function defineRemoveDefaultChatroom(builder: Builder) {
  builder.mutationField('removeDefaultChatroom', (t) =>
    t.boolean({
      description:
        "Messenger: removes an organization's default chatroom (DELETE /chatroom/default/{organizationID}); true once removed.",
      args: { organizationId: t.arg.int({ required: true, description: 'The Messenger organization.' }) },
      resolve: async (_, { organizationId }, ctx) => {
        await ctx.adapters.MESSENGER.removeDefaultChatroom(requirePositive(organizationId, 'organizationId'), ctx.credentials);
        // The vendor does not say which room that was: forget every chatroom read so far.
        ctx.loaders.chatroom.clearAll();
        return true;
      },
    }),
  );
}
