import { CHATROOM_CHANGE_KINDS, type ChatroomChangeKind } from '../../live/diff.js';
import type { Builder } from '../builder.js';

const DESCRIPTIONS: Record<ChatroomChangeKind, string> = {
  INITIAL: 'The first event: the current state.',
  RENAMED: 'The name changed.',
  IMAGE_CHANGED: 'The image or avatar changed.',
  PARTICIPANTS_JOINED: 'Participants joined (see participantsJoined).',
  PARTICIPANTS_LEFT: 'Participants left, or the vendor flags them deleted (see participantsLeft).',
  PARTICIPANT_UPDATED: "A participant's own fields changed (name, role, muted, blocked, archived...).",
  READ_MARKS: "Someone read further: a participant's or the room's read mark moved.",
  PRESENCE: 'An ambassador came online or went offline, or was last active at another time (Popsell).',
  NEW_ACTIVITY: "The room's last-message time moved: a new message exists (the vendors list no messages).",
  RATING: 'The last rating changed (Popsell).',
  SUMMARY: 'The last summary changed (Popsell).',
  SCHEDULED_DELETION: 'The time the vendor will delete the room changed (Messenger).',
  DELETED: 'The chatroom is gone (vendor 404 or flagged deleted); the last event of the stream.',
  OTHER: 'Something else changed (kind, organization, dates...).',
};

export function defineChatroomChangeKind(builder: Builder) {
  return builder.enumType('ChatroomChangeKind', {
    description: 'What changed in a chatroom since the previous event.',
    values: Object.fromEntries(CHATROOM_CHANGE_KINDS.map((kind) => [kind, { description: DESCRIPTIONS[kind] }])),
  });
}
