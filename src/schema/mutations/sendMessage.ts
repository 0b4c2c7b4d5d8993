import type { ChatroomRef } from '../../model/chat.js';
import type { Builder, Refs } from '../builder.js';
import { MAX_MESSAGE_LENGTH, readAfterWrite, requireText, writableChatroom, written } from '../checks.js';

export function defineSendMessage(builder: Builder, refs: Refs) {
  const Payload = builder.objectRef<{ chatroom: ChatroomRef; text: string }>('SendMessagePayload').implement({
    description: 'A message that was sent.',
    fields: (t) => ({
      chatroom: t.field({
        type: refs.Chatroom,
        description: 'The chatroom, read after the message was sent.',
        resolve: (payload, _args, ctx) => readAfterWrite(ctx.loaders.chatroom.load(payload.chatroom)),
      }),
      text: t.exposeString('text', { description: 'The text that was sent.' }),
    }),
  });

  builder.mutationField('sendMessage', (t) =>
    t.field({
      type: Payload,
      description:
        'Messenger, any chatroom (POST /chatroom/{roomID}/message). IW-ERP and Popsell chatrooms answer UNSUPPORTED_BY_PROVIDER. Sent once, never retried.',
      args: {
        chatroomId: t.arg.id({ required: true, description: 'The chatroom.' }),
        text: t.arg.string({ required: true, description: `The text, 1 to ${MAX_MESSAGE_LENGTH} characters.` }),
      },
      resolve: async (_, args, ctx) => {
        const text = requireText(args.text, 'text', MAX_MESSAGE_LENGTH);
        const { ref, writes } = await writableChatroom(String(args.chatroomId), 'chatroomId', 'canSendMessage', 'sending a message', ctx);
        await writes.sendMessage(ref, text, ctx.credentials);
        written(ref, ctx);
        return { chatroom: ref, text };
      },
    }),
  );
}
