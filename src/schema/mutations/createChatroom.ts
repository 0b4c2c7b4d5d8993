import type { Builder, Refs } from '../builder.js';
import { MAX_ASSIGNED_USERS, MAX_NAME_LENGTH, requirePositive, requireText, requireUserIds } from '../checks.js';

export function defineCreateChatroom(builder: Builder, refs: Refs) {
  const Input = builder.inputType('CreateChatroomInput', {
    description: 'A new custom Messenger chatroom.',
    fields: (t) => ({
      organizationId: t.int({ required: true, description: 'The Messenger organization it belongs to.' }),
      name: t.string({ required: true, description: `Its name, 1 to ${MAX_NAME_LENGTH} characters.` }),
      assignedUserIds: t.intList({ required: true, description: `The Messenger users in it: at most ${MAX_ASSIGNED_USERS} ids, repeats counted (a write drops them).` }),
    }),
  });

  builder.mutationField('createChatroom', (t) =>
    t.field({
      type: refs.Chatroom,
      description: 'Messenger: a new custom chatroom (POST /chatroom). IW-ERP and Popsell have no such operation.',
      args: { input: t.arg({ type: Input, required: true, description: 'The chatroom to create.' }) },
      resolve: async (_, { input }, ctx) => {
        const room = await ctx.adapters.MESSENGER.createChatroom(
          {
            organizationId: requirePositive(input.organizationId, 'input.organizationId'),
            name: requireText(input.name, 'input.name', MAX_NAME_LENGTH),
            assignedUserIds: requireUserIds(input.assignedUserIds, 'input.assignedUserIds'),
          },
          ctx.credentials,
        );
        ctx.loaders.primeChatrooms([room]);
        return room;
      },
    }),
  );
}
