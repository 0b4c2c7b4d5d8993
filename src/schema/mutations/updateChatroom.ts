import { badInput } from '../../errors.js';
import type { ChatroomChanges } from '../../upstreams/adapter.js';
import type { Builder, Refs } from '../builder.js';
import { MAX_ASSIGNED_USERS, MAX_NAME_LENGTH, readAfterWrite, requireText, requireUserIds, writableChatroom, written } from '../checks.js';

export function defineUpdateChatroom(builder: Builder, refs: Refs) {
  const Input = builder.inputType('UpdateChatroomInput', {
    description: 'The changes to a custom Messenger chatroom; only the fields set are sent.',
    fields: (t) => ({
      name: t.string({ description: `A new name, 1 to ${MAX_NAME_LENGTH} characters.` }),
      assignedUserIds: t.intList({ description: `The new set of Messenger users in it: at most ${MAX_ASSIGNED_USERS} ids, repeats counted (a write drops them).` }),
    }),
  });

  builder.mutationField('updateChatroom', (t) =>
    t.field({
      type: refs.Chatroom,
      description:
        'Messenger, custom chatrooms only (PUT /chatroom/{roomID}); other kinds and vendors answer UNSUPPORTED_BY_PROVIDER.',
      args: {
        id: t.arg.id({ required: true, description: 'The chatroom.' }),
        input: t.arg({ type: Input, required: true, description: 'What to change.' }),
      },
      resolve: async (_, { id, input }, ctx) => {
        const changes: ChatroomChanges = {};
        if (input.name !== null && input.name !== undefined) changes.name = requireText(input.name, 'input.name', MAX_NAME_LENGTH);
        if (input.assignedUserIds !== null && input.assignedUserIds !== undefined) {
          changes.assignedUserIds = requireUserIds(input.assignedUserIds, 'input.assignedUserIds');
        }
        if (Object.keys(changes).length === 0) throw badInput('input must set name or assignedUserIds.');
        const { ref, writes } = await writableChatroom(String(id), 'id', 'canUpdate', 'updating a chatroom', ctx);
        const updated = await writes.updateChatroom(ref, changes, ctx.credentials);
        written(ref, ctx);
        if (!updated) return readAfterWrite(ctx.loaders.chatroom.load(ref));
        ctx.loaders.primeChatrooms([updated]);
        return updated;
      },
    }),
  );
}
