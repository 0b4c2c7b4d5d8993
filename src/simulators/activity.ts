/**
 * Demo activity: the demo vendors change their own data now and then, as their users would, so
 * subscriptions and @live queries show events while nobody writes (DEMO_ACTIVITY_MS). Every change
 * keeps to the vendor's documented shapes and moves the timestamps the vendor would move. The
 * benchmark makes changes of the same kind to rooms of its choice, at a rate of its own
 * (roomChanger).
 */
import { stubOf, type IwerpState } from './iwerp.js';
import { DEMO_USER_ID, type MessengerState } from './messenger.js';
import { popsellTime, type PopsellState } from './popsell.js';

/** Each demo vendor's data (a running Simulators has them). */
export interface SimulatorStates {
  iwerpState: IwerpState;
  popsellState: PopsellState;
  messengerState: MessengerState;
}

/**
 * What demo activity changes: the first room of each vendor (and Messenger organization 1's
 * list), the ones the README and GraphiQL's examples use, so an example subscription sees an
 * event every round or two instead of once in a few minutes.
 */
export const DEMO_TARGETS = {
  iwerpChatroom: 1,
  iwerpMessage: 1,
  popsellBrand: 1,
  popsellChatroom: 1,
  messengerOrganization: 1,
  messengerChatroom: 8,
} as const;

/** Reactions demo activity adds to a message at most; the oldest added goes first. */
export const MAX_ADDED_REACTIONS = 5;
const EMOJIS = ['❤️', '😂', '👀', '🚀', '✅'];
/** Above every seeded reaction id (message id × 10 + 1 or 2). */
const FIRST_ADDED_REACTION_ID = 1_000_000;

const iso = (ms: number) => new Date(ms).toISOString();

/** A room the benchmark changes. */
export type ChangeTarget =
  | { provider: 'IWERP'; chatroom: number }
  | { provider: 'POPSELL'; brand: number; chatroom: number }
  | { provider: 'MESSENGER'; chatroom: number };

/** One change made to a room: when, and what a reader of the unified Chatroom sees of it. */
export interface MadeChange {
  /** 1 for a room's first change, then counting up. */
  seq: number;
  /** When it was made, on the changer's clock. */
  at: number;
  /**
   * The Chatroom field that shows it: `name` (IW-ERP and Messenger, renamed) or `lastMessageAt`
   * (Popsell, which has no name: new activity), with its new value as the gateway serializes it.
   */
  field: 'name' | 'lastMessageAt';
  value: string;
}

function iwerpRoom(state: IwerpState, id: number) {
  const room = state.chatrooms.get(id);
  if (!room) throw new Error(`The IW-ERP simulator has no chatroom ${id}`);
  return room;
}

function popsellRoom(state: PopsellState, brand: number, id: number) {
  const room = state.brands.get(brand)?.get(id);
  if (!room) throw new Error(`The Popsell simulator has no chatroom ${id} in brand ${brand}`);
  return room;
}

function messengerRoom(state: MessengerState, id: number) {
  const room = state.rooms.get(id);
  if (!room) throw new Error(`The Messenger simulator has no chatroom ${id}`);
  return room;
}

/**
 * A function that changes one room each time it is called and says when and how, for the
 * benchmark's latency and lost-state checks. Each change shows in a field every reader sees:
 * a rename (`<seeded name> #<seq>`), or Popsell's last-message time (strictly later each time).
 * `now` is the clock `at` is read from (default Date.now).
 */
export function roomChanger(states: SimulatorStates, target: ChangeTarget, now: () => number = Date.now): () => MadeChange {
  let seq = 0;
  switch (target.provider) {
    case 'IWERP':
    case 'MESSENGER': {
      const iwerp = target.provider === 'IWERP' ? iwerpRoom(states.iwerpState, target.chatroom) : undefined;
      const room = iwerp ?? messengerRoom(states.messengerState, target.chatroom);
      const base = room.name ?? `Room ${room.id}`;
      return () => {
        const at = now();
        room.name = `${base} #${++seq}`;
        // IW-ERP stamps the change; Messenger's chatrooms carry no timestamps.
        if (iwerp) iwerp.updated = iso(at);
        return { seq, at, field: 'name', value: room.name };
      };
    }
    case 'POPSELL': {
      const room = popsellRoom(states.popsellState, target.brand, target.chatroom);
      let last = 0;
      return () => {
        const at = now();
        // Whole milliseconds, as the gateway shows them; strictly later, so every change differs.
        last = Math.max(Math.floor(at), last + 1);
        room.last_message_date = popsellTime(last);
        return { seq: ++seq, at, field: 'lastMessageAt', value: iso(last) };
      };
    }
  }
}

/** Options of startActivity. */
export interface ActivityOptions {
  /** Time between two rounds, in ms (DEMO_ACTIVITY_MS; the demo's default is 3000). */
  intervalMs: number;
  /** The clock of the vendors' timestamps (default Date.now). */
  now?: () => number;
}

export interface Activity {
  /** Rounds made so far. */
  readonly rounds: number;
  /** One round now (the timer calls it; tests call it to be exact). */
  step(): void;
  /** Stops the timer. */
  close(): void;
}

/**
 * Starts demo activity: every `intervalMs`, one change per vendor, each vendor going through its
 * kinds of change in turn, the same sequence on every run:
 * - IW-ERP chatroom 1: renamed; a participant's read mark moves; message 1 gets a reaction;
 * - Popsell brand 1, chatroom 1: an ambassador comes online or goes offline; the last-message
 *   time moves (new activity); an ambassador's read mark (last read message) moves;
 * - Messenger organization 1: a chatroom appears, or the one that appeared goes; chatroom 8 is
 *   renamed; the demo user joins or leaves chatroom 8.
 * Bounded: names are replaced, reactions capped, and at most one added Messenger room exists.
 */
export function startActivity(states: SimulatorStates, options: ActivityOptions): Activity {
  const now = options.now ?? Date.now;
  const { iwerpState: iwerp, popsellState: popsell, messengerState: messenger } = states;
  const iwerpChatroom = iwerpRoom(iwerp, DEMO_TARGETS.iwerpChatroom);
  const iwerpName = iwerpChatroom.name ?? '';
  const popsellChatroom = popsellRoom(popsell, DEMO_TARGETS.popsellBrand, DEMO_TARGETS.popsellChatroom);
  const messengerName = messengerRoom(messenger, DEMO_TARGETS.messengerChatroom).name ?? '';
  let nextReactionId = FIRST_ADDED_REACTION_ID;
  let addedRoom: number | undefined;
  let rounds = 0;

  /** 1, 2, … 99, 1, …: how many times a kind of change came round, for names and rotations. */
  const turn = () => (Math.floor(rounds / 3) % 99) + 1;

  const iwerpChanges = [
    () => {
      iwerpChatroom.name = `${iwerpName} (${turn()})`;
      iwerpChatroom.updated = iso(now());
    },
    () => {
      // The participants who have not left (the seed's last one has).
      const present = (iwerpChatroom.participants ?? []).filter((p) => !p.deleted);
      const reader = present[turn() % present.length];
      if (!reader) return;
      reader.last_read_at = iso(now());
      reader.updated = reader.last_read_at;
    },
    () => {
      const message = iwerp.messages.get(DEMO_TARGETS.iwerpMessage);
      const reactor = iwerpChatroom.participants?.[turn() % 5];
      if (!message || !reactor) return;
      const at = iso(now());
      const reactions = [
        ...(message.reactions ?? []),
        { id: nextReactionId++, emoji: EMOJIS[turn() % EMOJIS.length]!, participant: stubOf(reactor), created: at, updated: at, image_url: null, deleted: false },
      ];
      const added = reactions.filter((r) => r.id >= FIRST_ADDED_REACTION_ID);
      const dropped = new Set(added.slice(0, Math.max(0, added.length - MAX_ADDED_REACTIONS)).map((r) => r.id));
      message.reactions = reactions.filter((r) => !dropped.has(r.id));
      message.updated = at;
    },
  ];

  const popsellChanges = [
    () => {
      const ambassador = popsellChatroom.ambassadors?.[turn() % (popsellChatroom.ambassadors?.length ?? 1)];
      if (!ambassador) return;
      // The document: online "when last_action_date is less than 5 minutes ago"; the demo
      // compresses those minutes, so going offline keeps the last action where it was.
      ambassador.online = !ambassador.online;
      if (ambassador.online) ambassador.last_action_date = popsellTime(now());
    },
    () => {
      popsellChatroom.last_message_date = popsellTime(now());
    },
    () => {
      const ambassador = popsellChatroom.ambassadors?.[turn() % (popsellChatroom.ambassadors?.length ?? 1)];
      const pivot = ambassador?.chatroom_pivot_data?.find((p) => p.id_chatroom === popsellChatroom.id_chatroom);
      if (pivot) pivot.last_read_message = (pivot.last_read_message ?? 0) + 1;
    },
  ];

  const messengerChanges = [
    () => {
      if (addedRoom !== undefined && messenger.rooms.delete(addedRoom)) {
        addedRoom = undefined;
        return;
      }
      addedRoom = messenger.nextId++;
      messenger.rooms.set(addedRoom, {
        id: addedRoom,
        organizationID: DEMO_TARGETS.messengerOrganization,
        type: 'custom',
        name: `Stand-up ${turn()}`,
        eventID: 0,
        avatarURL: '',
        assignedUsers: [DEMO_USER_ID, 3],
        scheduledDeletion: null,
      });
    },
    () => {
      // A client may have deleted it (deleteChatroom); then there is nothing to rename.
      const room = messenger.rooms.get(DEMO_TARGETS.messengerChatroom);
      if (room) room.name = `${messengerName} (${turn()})`;
    },
    () => {
      const room = messenger.rooms.get(DEMO_TARGETS.messengerChatroom);
      if (!room) return;
      const users = room.assignedUsers ?? [];
      room.assignedUsers = users.includes(DEMO_USER_ID) ? users.filter((u) => u !== DEMO_USER_ID) : [...users, DEMO_USER_ID];
    },
  ];

  const step = () => {
    for (const changes of [iwerpChanges, popsellChanges, messengerChanges]) changes[rounds % changes.length]!();
    rounds += 1;
  };
  const timer = setInterval(step, options.intervalMs);
  return {
    get rounds() {
      return rounds;
    },
    step,
    close: () => clearInterval(timer),
  };
}
