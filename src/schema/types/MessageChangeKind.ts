import { MESSAGE_CHANGE_KINDS, type MessageChangeKind } from '../../live/diff.js';
import type { Builder } from '../builder.js';

const DESCRIPTIONS: Record<MessageChangeKind, string> = {
  INITIAL: 'The first event: the current state.',
  EDITED: 'The text changed.',
  REACTIONS: 'A reaction was added, changed or withdrawn.',
  COMPLETED: 'The completed flag changed.',
  ATTACHMENTS: 'The attached files changed.',
  DELETED: 'The message is gone (vendor 404 or flagged deleted); the last event of the stream.',
  OTHER: 'Something else changed (author, dates, its chatroom as the message carries it...).',
};

export function defineMessageChangeKind(builder: Builder) {
  return builder.enumType('MessageChangeKind', {
    description: 'What changed in a message since the previous event.',
    values: Object.fromEntries(MESSAGE_CHANGE_KINDS.map((kind) => [kind, { description: DESCRIPTIONS[kind] }])),
  });
}
