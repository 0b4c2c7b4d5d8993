import { Readable } from 'node:stream';
import { badInput } from '../../errors.js';
import type { Builder, Refs } from '../builder.js';
import { readAfterWrite, writableChatroom, written } from '../checks.js';

/** Image types every chat client renders; anything else is refused before the vendor sees it. */
export const AVATAR_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];

/**
 * The image type an upload's first bytes show (each format's signature), whatever type the client
 * declared: a text file declared image/png is not an image, and curl's `-F 0=@avatar.png` declares
 * application/octet-stream for a real one. Undefined when the bytes are none of AVATAR_TYPES.
 */
export function imageTypeOf(head: Uint8Array): string | undefined {
  const startsWith = (signature: number[], at = 0) => signature.every((byte, i) => head[at + i] === byte);
  const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));
  if (startsWith([0x89, ...ascii('PNG'), 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith([0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(ascii('GIF87a')) || startsWith(ascii('GIF89a'))) return 'image/gif';
  if (startsWith(ascii('RIFF')) && startsWith(ascii('WEBP'), 8)) return 'image/webp';
  return undefined;
}

/** The first `bytes` of a stream, and the whole stream again (those bytes included) to send on. */
async function peek(stream: AsyncIterable<Uint8Array>, bytes: number) {
  const iterator = stream[Symbol.asyncIterator]();
  const read: Uint8Array[] = [];
  let length = 0;
  while (length < bytes) {
    const next = await iterator.next();
    if (next.done) break;
    read.push(next.value);
    length += next.value.length;
  }
  async function* body() {
    yield* read;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  return { head: Buffer.concat(read).subarray(0, bytes), body: body() };
}

export function defineSetChatroomAvatar(builder: Builder, refs: Refs) {
  builder.mutationField('setChatroomAvatar', (t) =>
    t.field({
      type: refs.Chatroom,
      description:
        'A null avatar removes it. Messenger, custom chatrooms only (PUT /chatroom/{roomID}/avatar with the image bytes); other kinds and vendors answer UNSUPPORTED_BY_PROVIDER. Send the file as a GraphQL multipart request with an x-graphql-yoga-csrf or graphql-preflight header.',
      args: {
        id: t.arg.id({ required: true, description: 'The chatroom.' }),
        avatar: t.arg({ type: 'Upload', description: `A ${AVATAR_TYPES.join(', ')} image (told by its bytes, not its declared type) up to AVATAR_MAX_BYTES (default 5 MiB); null removes the avatar.` }),
      },
      resolve: async (_, { id, avatar }, ctx) => {
        let image: { body: Readable; contentType: string; size: number } | null = null;
        if (avatar) {
          if (avatar.size === 0) throw badInput('avatar is empty; pass null to remove the avatar.');
          if (avatar.size > ctx.avatarMaxBytes) throw badInput(`avatar must be at most ${ctx.avatarMaxBytes} bytes.`);
          // yoga's File streams are async-iterable ponyfills, which Readable.fromWeb refuses.
          const { head, body } = await peek(avatar.stream() as unknown as AsyncIterable<Uint8Array>, 12);
          const contentType = imageTypeOf(head);
          if (!contentType) throw badInput(`avatar must be an image of type ${AVATAR_TYPES.join(', ')}; its bytes are none of these.`);
          image = { body: Readable.from(body), contentType, size: avatar.size };
        }
        const { ref, writes } = await writableChatroom(String(id), 'id', 'canSetAvatar', 'setting an avatar', ctx);
        await writes.setAvatar(ref, image, ctx.credentials);
        written(ref, ctx);
        return readAfterWrite(ctx.loaders.chatroom.load(ref));
      },
    }),
  );
}
