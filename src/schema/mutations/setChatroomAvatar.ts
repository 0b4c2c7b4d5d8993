import { Readable } from 'node:stream';
import { badInput } from '../../errors.js';
import type { Builder, Refs } from '../builder.js';
import { readAfterWrite, writableChatroom } from '../checks.js';

/** Image types every chat client renders; anything else is refused before the vendor sees it. */
export const AVATAR_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];

export function defineSetChatroomAvatar(builder: Builder, refs: Refs) {
  builder.mutationField('setChatroomAvatar', (t) =>
    t.field({
      type: refs.Chatroom,
      description:
        'A null avatar removes it. Messenger, custom chatrooms only (PUT /chatroom/{roomID}/avatar with the image bytes); other kinds and vendors answer UNSUPPORTED_BY_PROVIDER. Send the file as a GraphQL multipart request with an x-graphql-yoga-csrf or graphql-preflight header.',
      args: {
        id: t.arg.id({ required: true, description: 'The chatroom.' }),
        avatar: t.arg({ type: 'Upload', description: `A ${AVATAR_TYPES.join(', ')} image up to AVATAR_MAX_BYTES (default 5 MiB); null removes the avatar.` }),
      },
      resolve: async (_, { id, avatar }, ctx) => {
        if (avatar) {
          if (!AVATAR_TYPES.includes(avatar.type)) throw badInput(`avatar must be one of ${AVATAR_TYPES.join(', ')}.`);
          if (avatar.size === 0) throw badInput('avatar is empty; pass null to remove the avatar.');
          if (avatar.size > ctx.avatarMaxBytes) throw badInput(`avatar must be at most ${ctx.avatarMaxBytes} bytes.`);
        }
        const { ref, writes } = await writableChatroom(String(id), 'id', 'canSetAvatar', 'setting an avatar', ctx);
        await writes.setAvatar(
          ref,
          avatar
            ? // yoga's File streams are async-iterable ponyfills, which Readable.fromWeb refuses.
              { body: Readable.from(avatar.stream() as unknown as AsyncIterable<Uint8Array>), contentType: avatar.type, size: avatar.size }
            : null,
          ctx.credentials,
        );
        ctx.loaders.chatroom.clear(ref);
        return readAfterWrite(ctx.loaders.chatroom.load(ref));
      },
    }),
  );
}
