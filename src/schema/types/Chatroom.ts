import type { Context } from '../../context.js';
import type { AnyChatroom, Chatroom } from '../../model/chat.js';
import { chatroomRefFromId, decodeIdOf } from '../../model/globalId.js';
import { chatroomRefOf } from '../../upstreams/credentials.js';
import type { Builder, Refs, SchemaOptions } from '../builder.js';
import { requirePositive } from '../checks.js';
import type { Enums } from './scalars.js';

/**
 * A chatroom a vendor sent in short form (IW-ERP's chatroom inside a message) answers its stub
 * fields at once; any other field fetches the full chatroom, through the request's loader.
 */
export const fullChatroom = (room: AnyChatroom, ctx: Context): Promise<Chatroom> | Chatroom =>
  room.complete ? room : ctx.loaders.chatroom.load(room);

const fromFull =
  <T>(pick: (room: Chatroom) => T) =>
  async (room: AnyChatroom, _args: unknown, ctx: Context): Promise<T> =>
    pick(await fullChatroom(room, ctx));

export const loadChatroomById = (id: string, ctx: Context, argument = 'id') =>
  ctx.loaders.chatroom.load(chatroomRefFromId(decodeIdOf('Chatroom', id, argument)));

export function defineChatroom(builder: Builder, refs: Refs, enums: Enums, options: SchemaOptions) {
  const Capabilities = builder.objectRef<{ canSendMessage: boolean; canUpdate: boolean; canDelete: boolean; canSetAvatar: boolean }>('ChatroomCapabilities').implement({
    description: 'What the vendor lets a client do with this chatroom; a mutation it does not allow answers UNSUPPORTED_BY_PROVIDER.',
    fields: (t) => ({
      canSendMessage: t.exposeBoolean('canSendMessage', { description: 'sendMessage works (any Messenger chatroom).' }),
      canUpdate: t.exposeBoolean('canUpdate', { description: 'updateChatroom works (custom Messenger chatrooms).' }),
      canDelete: t.exposeBoolean('canDelete', { description: 'deleteChatroom works (custom Messenger chatrooms).' }),
      canSetAvatar: t.exposeBoolean('canSetAvatar', { description: 'setChatroomAvatar works (custom Messenger chatrooms).' }),
    }),
  });

  const Rating = builder.objectRef<NonNullable<Chatroom['lastRating']>>('ChatroomRating').implement({
    description: "Popsell's last rating of a chatroom.",
    fields: (t) => ({
      value: t.exposeInt('value', { nullable: true, description: 'The rating value (Popsell `last_rating.value`).' }),
      comment: t.exposeString('comment', { nullable: true, description: 'The comment given with it.' }),
    }),
  });

  const Summary = builder.objectRef<NonNullable<Chatroom['lastSummary']>>('ChatroomSummary').implement({
    description: "Popsell's last automatic summary of a chatroom.",
    fields: (t) => ({
      createdAt: t.expose('createdAt', {
        type: 'DateTime',
        nullable: true,
        description: 'When it was made; null when the vendor value is not a date (it is typed a plain string).',
      }),
      summary: t.exposeString('summary', { nullable: true, description: 'The summary text.' }),
      anomaly: t.exposeInt('anomaly', { nullable: true, description: 'Popsell anomaly code.' }),
      topic: t.exposeInt('topic', { nullable: true, description: 'Popsell topic code.' }),
    }),
  });

  const DiscussionType = builder.enumType('PopsellDiscussionType', {
    description: 'Who talks in a Popsell chatroom (`type_discussion`).',
    values: {
      MEMBERS: { description: '0: between members' },
      EXTERNAL: { description: '1: between external' },
      MEMBERS_AND_EXTERNAL: { description: '2: between members and external' },
      UNKNOWN: { description: 'A value the document does not list.' },
    },
  });

  const Source = builder.enumType('PopsellSource', {
    description: 'Where a Popsell chatroom came from (`source`, sent as a number or a string).',
    values: {
      DIRECT: { description: '0: direct' },
      WAITING_LIST: { description: '1: waiting_list' },
      HOT_LIST: { description: '2: hot_list' },
      UNKNOWN: { description: 'A value the document does not list.' },
    },
  });

  refs.Chatroom.implement({
    description: 'A chatroom of any vendor. Fields a vendor does not have are null; their descriptions say which vendor fills them.',
    interfaces: [refs.Node],
    isTypeOf: (value) => (value as { typename?: string }).typename === 'Chatroom',
    fields: (t) => ({
      provider: t.field({ type: enums.Provider, description: 'The vendor.', resolve: (room) => room.provider }),
      providerId: t.exposeString('providerId', { description: "The vendor's own identifier, as a string." }),
      name: t.exposeString('name', { nullable: true, description: 'Display name (IW-ERP, Messenger; Popsell rooms have none).' }),
      imageUrl: t.exposeString('imageUrl', { nullable: true, description: 'Image or avatar URL (IW-ERP image_url, Messenger avatarURL).' }),
      kind: t.field({ type: enums.ChatroomKind, description: 'The kind of chatroom.', resolve: (room) => room.kind }),
      createdAt: t.expose('createdAt', { type: 'DateTime', nullable: true, description: 'Created (IW-ERP created, Popsell date_insert).' }),
      updatedAt: t.expose('updatedAt', { type: 'DateTime', nullable: true, description: 'Last changed (IW-ERP updated).' }),
      lastMessageAt: t.field({
        type: 'DateTime',
        nullable: true,
        description: 'Time of the last message (Popsell last_message_date).',
        resolve: fromFull((room) => room.lastMessageAt),
      }),
      lastReadAt: t.field({
        type: 'DateTime',
        nullable: true,
        description: "When the calling user last read it (IW-ERP last_read_at).",
        resolve: fromFull((room) => room.lastReadAt),
      }),
      deleted: t.exposeBoolean('deleted', { description: 'Deleted at the vendor (IW-ERP); false where the vendor has no such flag.' }),
      participants: t.field({
        type: [refs.Participant],
        description: 'The people in the chatroom: IW-ERP participants, Popsell ambassadors or Messenger users.',
        args: {
          includeDeleted: t.arg.boolean({ defaultValue: false, description: 'Also list participants the vendor marks deleted.' }),
        },
        resolve: async (room, args, ctx) => {
          const { participants } = await fullChatroom(room, ctx);
          return args.includeDeleted ? participants : participants.filter((p) => !p.deleted);
        },
      }),
      capabilities: t.field({
        type: Capabilities,
        description: 'What a client may do with the chatroom.',
        resolve: (room, _args, ctx) => ctx.adapters[room.provider].capabilities(room.kind),
      }),
      organizationId: t.field({
        type: 'Int',
        nullable: true,
        description: 'Messenger: the organization (organizationID).',
        resolve: fromFull((room) => room.organizationId),
      }),
      eventId: t.field({
        type: 'Int',
        nullable: true,
        description: 'Messenger: the event of an event chatroom (eventID, passed through as sent).',
        resolve: fromFull((room) => room.eventId),
      }),
      scheduledDeletionAt: t.field({
        type: 'DateTime',
        nullable: true,
        description: 'Messenger: when the vendor will delete it (scheduledDeletion; null in every documented example).',
        resolve: fromFull((room) => room.scheduledDeletionAt),
      }),
      brandId: t.field({
        type: 'Int',
        nullable: true,
        description: 'Popsell: the brand the chatroom was read in.',
        resolve: (room) => room.brandId,
      }),
      lastRating: t.field({
        type: Rating,
        nullable: true,
        description: 'Popsell: the last rating.',
        resolve: fromFull((room) => room.lastRating),
      }),
      lastSummary: t.field({
        type: Summary,
        nullable: true,
        description: 'Popsell: the last summary.',
        resolve: fromFull((room) => room.lastSummary),
      }),
      discussionType: t.field({
        type: DiscussionType,
        nullable: true,
        description: 'Popsell: who talks in it (type_discussion).',
        resolve: fromFull((room) => room.discussionType),
      }),
      source: t.field({
        type: Source,
        nullable: true,
        description: 'Popsell: where it came from (source).',
        resolve: fromFull((room) => room.source),
      }),
      establishedDialogue: t.field({
        type: 'Boolean',
        nullable: true,
        description: 'Popsell: at least two authors wrote in it (established_dialogue; true when the vendor sends a date).',
        resolve: fromFull((room) => room.establishedDialogue),
      }),
      establishedDialogueAt: t.field({
        type: 'DateTime',
        nullable: true,
        description: 'Popsell: the date established_dialogue carries, when it carries one (read as UTC).',
        resolve: fromFull((room) => room.establishedDialogueAt),
      }),
      ...(options.exposeVendorSecrets
        ? {
            token: t.field({
              type: 'String',
              nullable: true,
              description: 'IW-ERP chatroom token. Secret: present only with EXPOSE_VENDOR_SECRETS.',
              resolve: fromFull((room) => room.secrets.token),
            }),
            notificationToken: t.field({
              type: 'String',
              nullable: true,
              description: 'IW-ERP notification token. Secret: present only with EXPOSE_VENDOR_SECRETS.',
              resolve: fromFull((room) => room.secrets.notificationToken),
            }),
          }
        : {}),
    }),
  });

  builder.queryFields((t) => ({
    chatroom: t.field({
      type: refs.Chatroom,
      nullable: true,
      description: 'A chatroom by its global ID.',
      args: { id: t.arg.id({ required: true, description: 'A Chatroom ID issued by this gateway.' }) },
      resolve: (_, args, ctx) => loadChatroomById(String(args.id), ctx),
    }),
    chatrooms: t.field({
      type: [refs.Chatroom],
      nullable: { list: false, items: true },
      description: 'Many chatrooms, from any vendors, in one request; order kept, null where not found.',
      args: { ids: t.arg.idList({ required: true, description: 'Chatroom IDs issued by this gateway.' }) },
      // Capped before the operation runs, with every other list of the operation (useArgumentLimits).
      resolve: (_, args, ctx) => args.ids.map(async (id, i) => loadChatroomById(String(id), ctx, `ids[${i}]`)),
    }),
    chatroomByProviderId: t.field({
      type: refs.Chatroom,
      nullable: true,
      description:
        "A chatroom by its vendor's own identifier; brandId is the Popsell brand (else the x-popsell-brand header).",
      args: {
        provider: t.arg({ type: enums.Provider, required: true, description: 'The vendor.' }),
        providerId: t.arg.string({ required: true, description: "The vendor's identifier of the chatroom." }),
        brandId: t.arg.int({ description: 'Popsell only: the brand; overrides the x-popsell-brand header.' }),
      },
      resolve: (_, args, ctx) =>
        ctx.loaders.chatroom.load(
          chatroomRefOf(args.provider as Chatroom['provider'], args.providerId, args.brandId, ctx.credentials),
        ),
    }),
    eventChatroom: t.field({
      type: refs.Chatroom,
      nullable: true,
      description: 'Messenger: the chatroom of an event.',
      args: {
        organizationId: t.arg.int({ required: true, description: 'The Messenger organization.' }),
        eventId: t.arg.int({ required: true, description: 'The event in it.' }),
      },
      resolve: async (_, args, ctx) => {
        const room = await ctx.adapters.MESSENGER.getEventChatroom(
          requirePositive(args.organizationId, 'organizationId'),
          requirePositive(args.eventId, 'eventId'),
          ctx.credentials,
          { signal: ctx.callers.signal },
        );
        ctx.loaders.primeChatrooms([room]);
        return room;
      },
    }),
  }));
}
