import type { Builder } from '../builder.js';
import { writableChatroom, written } from '../checks.js';

export function defineDeleteChatroom(builder: Builder) {
  builder.mutationField('deleteChatroom', (t) =>
    t.id({
      description:
        'Returns the ID of the deleted chatroom. Messenger, custom chatrooms only (DELETE /chatroom/{roomID}); other kinds and vendors answer UNSUPPORTED_BY_PROVIDER.',
      args: { id: t.arg.id({ required: true, description: 'The chatroom.' }) },
      resolve: async (_, { id }, ctx) => {
        const { ref, writes } = await writableChatroom(String(id), 'id', 'canDelete', 'deleting a chatroom', ctx);
        await writes.deleteChatroom(ref, ctx.credentials);
        written(ref, ctx);
        return id;
      },
    }),
  );
}
