import type { Provider } from '../../model/provider.js';
import { decodeIdOf } from '../../model/globalId.js';
import type { Builder, Refs } from '../builder.js';
import type { Enums } from './scalars.js';

export function defineMessage(builder: Builder, refs: Refs, enums: Enums) {
  refs.Attachment.implement({
    description: 'A file attached to a message (IW-ERP).',
    fields: (t) => ({
      providerId: t.exposeString('providerId', { description: "The vendor's identifier of the attachment." }),
      filename: t.exposeString('filename', { nullable: true, description: 'File name.' }),
      size: t.exposeInt('size', { nullable: true, description: 'Bytes; null when the vendor\'s value is not a whole number (IW-ERP sends filesize as a string).' }),
      mimeType: t.exposeString('mimeType', { nullable: true, description: 'MIME type (IW-ERP mimetype).' }),
      createdBy: t.exposeString('createdBy', { nullable: true, description: 'Username of the uploader (IW-ERP createdbyusername).' }),
      createdAt: t.expose('createdAt', { type: 'DateTime', nullable: true, description: 'Uploaded (IW-ERP created).' }),
      scope: t.exposeString('scope', { nullable: true, description: 'IW-ERP scope, as sent.' }),
      googleId: t.exposeString('googleId', { nullable: true, description: 'IW-ERP googleid: the file in Google storage.' }),
    }),
  });

  refs.Reaction.implement({
    description: 'A reaction to a message (IW-ERP).',
    interfaces: [refs.Node],
    isTypeOf: (value) => (value as { typename?: string }).typename === 'Reaction',
    fields: (t) => ({
      provider: t.field({ type: enums.Provider, description: 'The vendor.', resolve: (r) => r.provider }),
      providerId: t.exposeString('providerId', { description: "The vendor's identifier of the reaction." }),
      emoji: t.exposeString('emoji', { description: 'The emoji; empty for an image reaction sent without one.' }),
      participant: t.field({
        type: refs.Participant,
        nullable: true,
        description: 'Who reacted; null when the vendor does not say.',
        resolve: (r) => r.participant,
      }),
      imageUrl: t.exposeString('imageUrl', { nullable: true, description: 'Image of an image reaction (IW-ERP image_url).' }),
      createdAt: t.expose('createdAt', { type: 'DateTime', nullable: true, description: 'IW-ERP created.' }),
      updatedAt: t.expose('updatedAt', { type: 'DateTime', nullable: true, description: 'IW-ERP updated.' }),
      deleted: t.exposeBoolean('deleted', { description: 'Withdrawn (IW-ERP deleted).' }),
    }),
  });

  refs.Message.implement({
    description: 'A chat message. Only IW-ERP lets a message be read; the other vendors answer UNSUPPORTED_BY_PROVIDER.',
    interfaces: [refs.Node],
    isTypeOf: (value) => (value as { typename?: string }).typename === 'Message',
    fields: (t) => ({
      provider: t.field({ type: enums.Provider, description: 'The vendor.', resolve: (m) => m.provider }),
      providerId: t.exposeString('providerId', { description: "The vendor's own identifier, as a string." }),
      chatroom: t.field({
        type: refs.Chatroom,
        description: 'The chatroom; id, name, image and timestamps come with the message, other fields fetch the chatroom.',
        resolve: (m) => m.chatroom,
      }),
      author: t.field({
        type: refs.Participant,
        nullable: true,
        description: 'Who wrote it; null when the vendor does not say. Name and image come with the message.',
        resolve: (m) => m.author,
      }),
      text: t.exposeString('text', { nullable: true, description: 'The text (IW-ERP message_text).' }),
      attachments: t.field({ type: [refs.Attachment], description: 'Attached files.', resolve: (m) => m.attachments }),
      reactions: t.field({
        type: [refs.Reaction],
        description: 'Reactions to the message.',
        args: { includeDeleted: t.arg.boolean({ defaultValue: false, description: 'Also list withdrawn reactions.' }) },
        resolve: (m, args) => (args.includeDeleted ? m.reactions : m.reactions.filter((r) => !r.deleted)),
      }),
      completed: t.exposeBoolean('completed', { nullable: true, description: 'IW-ERP completed (a task-like message done).' }),
      createdAt: t.expose('createdAt', { type: 'DateTime', nullable: true, description: 'IW-ERP created.' }),
      updatedAt: t.expose('updatedAt', { type: 'DateTime', nullable: true, description: 'IW-ERP updated.' }),
      deleted: t.exposeBoolean('deleted', { description: 'Deleted at the vendor (IW-ERP deleted).' }),
    }),
  });

  builder.queryFields((t) => ({
    message: t.field({
      type: refs.Message,
      nullable: true,
      description: 'A message by its global ID.',
      args: { id: t.arg.id({ required: true, description: 'A Message ID issued by this gateway.' }) },
      resolve: (_, args, ctx) => {
        const { provider, parts } = decodeIdOf('Message', String(args.id));
        return ctx.loaders.message.load({ provider, providerId: parts.message as string });
      },
    }),
    messageByProviderId: t.field({
      type: refs.Message,
      nullable: true,
      description: "A message by its vendor's own identifier (IW-ERP only; others answer UNSUPPORTED_BY_PROVIDER).",
      args: {
        provider: t.arg({ type: enums.Provider, required: true, description: 'The vendor.' }),
        providerId: t.arg.string({ required: true, description: "The vendor's identifier of the message." }),
      },
      resolve: (_, args, ctx) =>
        ctx.loaders.message.load({ provider: args.provider as Provider, providerId: args.providerId }),
    }),
  }));
}
