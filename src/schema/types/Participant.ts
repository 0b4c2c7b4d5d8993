import type { Context } from '../../context.js';
import { GatewayError } from '../../errors.js';
import type { AnyParticipant, IwerpParticipant, IwerpParticipantStub, Participant } from '../../model/chat.js';
import type { Builder, Refs, SchemaOptions } from '../builder.js';
import type { Enums } from './scalars.js';

/**
 * A participant a vendor sent in short form (IW-ERP's author or reaction participant: id, name,
 * image, timestamps) answers those at once; any other field reads the participant from its
 * chatroom, which the request's loader fetches once for all of them.
 */
async function fullParticipant(participant: AnyParticipant, ctx: Context): Promise<Participant> {
  if (participant.complete) return participant;
  const room = await ctx.loaders.chatroom.load(participant.chatroom);
  const found = room.participants.find((p) => p.typename === participant.typename && p.providerId === participant.providerId);
  if (!found) {
    throw new GatewayError('NOT_FOUND', `${participant.provider} no longer lists this participant in the chatroom.`, {
      provider: participant.provider,
    });
  }
  return found;
}

const fromFull =
  <T>(pick: (p: Participant) => T) =>
  async (participant: AnyParticipant, _args: unknown, ctx: Context): Promise<T> =>
    pick(await fullParticipant(participant, ctx));

const fromFullIwerp =
  <T>(pick: (p: IwerpParticipant) => T) =>
  async (participant: IwerpParticipant | IwerpParticipantStub, _args: unknown, ctx: Context): Promise<T> =>
    pick((await fullParticipant(participant, ctx)) as IwerpParticipant);

export function defineParticipant(builder: Builder, refs: Refs, enums: Enums, options: SchemaOptions) {
  refs.Participant.implement({
    description: 'Someone in a chatroom: an IW-ERP participant, a Popsell ambassador, or a Messenger user.',
    interfaces: [refs.Node],
    resolveType: (participant) => participant.typename,
    fields: (t) => ({
      provider: t.field({ type: enums.Provider, description: 'The vendor.', resolve: (p) => p.provider }),
      providerId: t.exposeString('providerId', { description: "The vendor's own identifier, as a string." }),
      displayName: t.field({
        type: 'String',
        description:
          "Never empty: the vendor's own display name where it sends one (IW-ERP `name`), else nickname, else first and last name, else username, else the fallback `User <providerId>` (all Messenger users, who come as bare ids). The same person reads the same whichever path reached them.",
        resolve: async (p, _args, ctx) => p.displayName ?? (await fullParticipant(p, ctx)).displayName,
      }),
      firstName: t.field({ type: 'String', nullable: true, description: 'First name (IW-ERP first_name, Popsell firstname).', resolve: fromFull((p) => p.firstName) }),
      lastName: t.field({ type: 'String', nullable: true, description: 'Last name (IW-ERP last_name, Popsell lastname).', resolve: fromFull((p) => p.lastName) }),
      avatarUrl: t.exposeString('avatarUrl', { nullable: true, description: 'Avatar URL (IW-ERP image_url, Popsell image).' }),
      isAdmin: t.field({ type: 'Boolean', nullable: true, description: 'Administers the chatroom (IW-ERP room_admin).', resolve: fromFull((p) => p.isAdmin) }),
      canWrite: t.field({ type: 'Boolean', nullable: true, description: 'May write in the chatroom (IW-ERP can_write).', resolve: fromFull((p) => p.canWrite) }),
      isMuted: t.field({ type: 'Boolean', nullable: true, description: 'Has muted the chatroom (IW-ERP is_muted).', resolve: fromFull((p) => p.isMuted) }),
      lastReadAt: t.field({
        type: 'DateTime',
        nullable: true,
        description: 'Last read the chatroom (IW-ERP last_read_at; null for ambassadors, whose vendor sends a message id instead).',
        resolve: fromFull((p) => p.lastReadAt),
      }),
      deleted: t.exposeBoolean('deleted', { description: 'Marked deleted by the vendor (IW-ERP); false where the vendor has no such flag.' }),
    }),
  });

  refs.IwerpParticipant.implement({
    description: 'A participant of an IW-ERP chatroom.',
    interfaces: [refs.Participant, refs.Node],
    isTypeOf: (value) => (value as { typename?: string }).typename === 'IwerpParticipant',
    fields: (t) => ({
      nickname: t.field({ type: 'String', nullable: true, description: 'IW-ERP nickname.', resolve: fromFullIwerp((p) => p.nickname) }),
      participantType: t.field({ type: 'String', nullable: true, description: 'IW-ERP participant_type, as sent.', resolve: fromFullIwerp((p) => p.participantType) }),
      preferredColorHex: t.field({ type: 'String', nullable: true, description: 'IW-ERP preferred_color_hex.', resolve: fromFullIwerp((p) => p.preferredColorHex) }),
      autoCreated: t.field({ type: 'Boolean', nullable: true, description: 'IW-ERP auto_created.', resolve: fromFullIwerp((p) => p.autoCreated) }),
      autoReply: t.field({ type: 'Boolean', nullable: true, description: 'IW-ERP auto_reply: an automatic (AI) participant.', resolve: fromFullIwerp((p) => p.autoReply) }),
      aiNumberOfContextMessages: t.field({ type: 'Int', nullable: true, description: 'IW-ERP ai_number_of_context_messages.', resolve: fromFullIwerp((p) => p.aiNumberOfContextMessages) }),
      createdAt: t.expose('createdAt', { type: 'DateTime', nullable: true, description: 'IW-ERP created.' }),
      updatedAt: t.expose('updatedAt', { type: 'DateTime', nullable: true, description: 'IW-ERP updated.' }),
      ...(options.exposeVendorSecrets
        ? {
            aiPrompt: t.field({ type: 'String', nullable: true, description: 'IW-ERP ai_prompt. Secret: present only with EXPOSE_VENDOR_SECRETS.', resolve: fromFullIwerp((p) => p.secrets.aiPrompt) }),
            aiAutoCloseSecretWord: t.field({ type: 'String', nullable: true, description: 'IW-ERP ai_auto_close_secret_word. Secret: present only with EXPOSE_VENDOR_SECRETS.', resolve: fromFullIwerp((p) => p.secrets.aiAutoCloseSecretWord) }),
          }
        : {}),
    }),
  });

  refs.Ambassador.implement({
    description: 'A Popsell ambassador in a chatroom; per-room fields come from the pivot entry of that chatroom.',
    interfaces: [refs.Participant, refs.Node],
    isTypeOf: (value) => (value as { typename?: string }).typename === 'Ambassador',
    fields: (t) => ({
      username: t.exposeString('username', { nullable: true, description: 'Popsell username.' }),
      email: t.exposeString('email', { nullable: true, description: 'Popsell email.' }),
      online: t.exposeBoolean('online', { nullable: true, description: 'Active in the last 5 minutes (Popsell online).' }),
      lastActiveAt: t.expose('lastActiveAt', { type: 'DateTime', nullable: true, description: 'Popsell last_action_date.' }),
      anonymized: t.exposeBoolean('anonymized', { nullable: true, description: 'Popsell anonymized.' }),
      isBlocked: t.exposeBoolean('isBlocked', { nullable: true, description: 'Blocked in this chatroom (pivot is_blocked).' }),
      archived: t.exposeBoolean('archived', { nullable: true, description: 'Archived this chatroom (pivot archived).' }),
      lastReadMessageId: t.exposeString('lastReadMessageId', { nullable: true, description: 'The last message read in this chatroom (pivot last_read_message, a message id).' }),
      active: t.exposeInt('active', { nullable: true, description: 'Popsell active, as sent.' }),
      status: t.exposeInt('status', { nullable: true, description: 'Popsell status, as sent.' }),
      customerId: t.exposeString('customerId', { nullable: true, description: 'Popsell customer_id.' }),
      ...(options.exposeVendorSecrets
        ? {
            emailTmp: t.field({ type: 'String', nullable: true, description: 'Popsell email_tmp. Secret: present only with EXPOSE_VENDOR_SECRETS.', resolve: (a) => a.secrets.emailTmp }),
          }
        : {}),
    }),
  });

  refs.MessengerUser.implement({
    description: 'A user assigned to a Messenger chatroom. Messenger sends bare user ids, so only the id is known.',
    interfaces: [refs.Participant, refs.Node],
    isTypeOf: (value) => (value as { typename?: string }).typename === 'MessengerUser',
  });
}
