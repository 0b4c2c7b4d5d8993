import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { compileValidators } from '../../src/http/validation.js';
import { MAX_ADDED_REACTIONS, roomChanger, startActivity, type SimulatorStates } from '../../src/simulators/activity.js';
import { createIwerpSimulator } from '../../src/simulators/iwerp.js';
import { DEMO_USER_ID, createMessengerSimulator } from '../../src/simulators/messenger.js';
import { createPopsellSimulator } from '../../src/simulators/popsell.js';
import { componentSchemas as iwerpSchemas } from '../../src/upstreams/iwerp/openapi.gen.js';
import { componentSchemas as messengerSchemas } from '../../src/upstreams/messenger/openapi.gen.js';
import { componentSchemas as popsellSchemas } from '../../src/upstreams/popsell/openapi.gen.js';

const states = (): SimulatorStates => ({
  iwerpState: createIwerpSimulator().state,
  popsellState: createPopsellSimulator().state,
  messengerState: createMessengerSimulator().state,
});

/** A clock that ticks a second per reading, from 2026-01-01. */
const clock = () => {
  let t = Date.UTC(2026, 0, 1);
  return () => (t += 1000);
};

/** Rounds made by hand: the timer is never due within a test. */
const startByHand = (s: SimulatorStates, now = clock()) => startActivity(s, { intervalMs: 2 ** 31 - 1, now });

afterEach(() => {
  vi.useRealTimers();
});

describe('DEMO_ACTIVITY_MS', () => {
  it('defaults to 3000 ms, may be 0 (off), and a bad value names the variable', () => {
    expect(loadConfig({}).demoActivityMs).toBe(3000);
    expect(loadConfig({ DEMO_ACTIVITY_MS: '0' }).demoActivityMs).toBe(0);
    expect(() => loadConfig({ DEMO_ACTIVITY_MS: 'often' })).toThrow(ConfigError);
    expect(() => loadConfig({ DEMO_ACTIVITY_MS: 'often' })).toThrow(/DEMO_ACTIVITY_MS/);
  });
});

describe('demo activity', () => {
  it('goes through each vendor kind of change in turn, moving the timestamps', () => {
    const s = states();
    const activity = startByHand(s);
    const iwerpRoom = s.iwerpState.chatrooms.get(1)!;
    const message = s.iwerpState.messages.get(1)!;
    const popsellRoom = s.popsellState.brands.get(1)!.get(1)!;
    const reactionsBefore = message.reactions!.length;
    const onlineBefore = popsellRoom.ambassadors!.map((a) => a.online);
    const readBefore = popsellRoom.ambassadors!.map((a) => a.chatroom_pivot_data!.find((p) => p.id_chatroom === 1)!.last_read_message);
    const messengerRooms = s.messengerState.rooms.size;
    const added = s.messengerState.nextId;
    try {
      activity.step();
      // Round 1: a rename, a presence flip, a new Messenger room.
      expect(iwerpRoom).toMatchObject({ name: 'Project Apollo (1)', updated: '2026-01-01T00:00:01.000Z' });
      expect(popsellRoom.ambassadors!.map((a) => a.online)).toEqual(onlineBefore.map((o, i) => (i === 1 ? !o : o)));
      expect(popsellRoom.ambassadors![1]!.last_action_date).toBe('2026-01-01T00:00:02.000000Z');
      expect(s.messengerState.rooms.get(added)).toMatchObject({ organizationID: 1, type: 'custom', name: 'Stand-up 1' });
      expect(s.messengerState.nextId).toBe(added + 1);

      activity.step();
      // Round 2: a read mark, new activity, a rename.
      const reader = iwerpRoom.participants![1]!;
      expect(reader).toMatchObject({ last_read_at: '2026-01-01T00:00:03.000Z', updated: '2026-01-01T00:00:03.000Z' });
      expect(popsellRoom.last_message_date).toBe('2026-01-01T00:00:04.000000Z');
      expect(s.messengerState.rooms.get(8)!.name).toBe('Team 8 (1)');

      activity.step();
      // Round 3: a reaction, a read mark, the demo user joins.
      expect(message.reactions).toHaveLength(reactionsBefore + 1);
      expect(message.reactions!.at(-1)).toMatchObject({ emoji: '😂', deleted: false, created: '2026-01-01T00:00:05.000Z', participant: { id: 102 } });
      expect(message.updated).toBe('2026-01-01T00:00:05.000Z');
      const read = popsellRoom.ambassadors!.map((a) => a.chatroom_pivot_data!.find((p) => p.id_chatroom === 1)!.last_read_message);
      expect(read).toEqual(readBefore.map((r, i) => (i === 1 ? r! + 1 : r)));
      expect(s.messengerState.rooms.get(8)!.assignedUsers).toContain(DEMO_USER_ID);

      activity.step();
      // Round 4: the added Messenger room goes again; the next rename counts on.
      expect(s.messengerState.rooms.has(added)).toBe(false);
      expect(s.messengerState.rooms.size).toBe(messengerRooms);
      expect(iwerpRoom.name).toBe('Project Apollo (2)');
      expect(activity.rounds).toBe(4);
    } finally {
      activity.close();
    }
  });

  it('stays within the vendors documented shapes and bounded, however long it runs', () => {
    const s = states();
    const messengerRooms = s.messengerState.rooms.size;
    const activity = startByHand(s);
    const validators = {
      iwerp: compileValidators('iwerp', iwerpSchemas),
      popsell: compileValidators('popsell', popsellSchemas),
      messenger: compileValidators('messenger', messengerSchemas),
    };
    const expectValid = (validate: ReturnType<ReturnType<typeof compileValidators>>, payload: unknown) =>
      expect(validate(JSON.parse(JSON.stringify(payload))), JSON.stringify(validate.errors)).toBe(true);
    try {
      for (let round = 0; round < 1000; round++) activity.step();
      for (const room of s.iwerpState.chatrooms.values()) expectValid(validators.iwerp('Chatroom'), room);
      for (const message of s.iwerpState.messages.values()) expectValid(validators.iwerp('ChatroomMessage'), message);
      for (const brand of s.popsellState.brands.values()) for (const room of brand.values()) expectValid(validators.popsell('Chatroom'), room);
      for (const room of s.messengerState.rooms.values()) expectValid(validators.messenger('Chatroom'), room);
      expect(s.iwerpState.messages.get(1)!.reactions).toHaveLength(2 + MAX_ADDED_REACTIONS);
      expect(s.messengerState.rooms.size).toBeLessThanOrEqual(messengerRooms + 1);
      expect(s.iwerpState.chatrooms.get(1)!.name!.length).toBeLessThanOrEqual('Project Apollo (99)'.length);
    } finally {
      activity.close();
    }
  });

  it('makes a round every interval and none after close', () => {
    vi.useFakeTimers();
    const activity = startActivity(states(), { intervalMs: 3000 });
    vi.advanceTimersByTime(9000);
    expect(activity.rounds).toBe(3);
    activity.close();
    vi.advanceTimersByTime(30_000);
    expect(activity.rounds).toBe(3);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('leaves alone a demo room a client deleted', () => {
    const s = states();
    const activity = startByHand(s);
    try {
      activity.step();
      s.messengerState.rooms.delete(8);
      for (let round = 0; round < 6; round++) activity.step();
      expect(s.messengerState.rooms.has(8)).toBe(false);
    } finally {
      activity.close();
    }
  });
});

describe('roomChanger (the benchmark changes rooms of its choice)', () => {
  it('renames IW-ERP and Messenger rooms and moves Popsell last-message time, saying when and what', () => {
    const s = states();
    const now = clock();
    const iwerp = roomChanger(s, { provider: 'IWERP', chatroom: 2 }, now);
    const messenger = roomChanger(s, { provider: 'MESSENGER', chatroom: 120 }, now);
    expect(iwerp()).toEqual({ seq: 1, at: Date.UTC(2026, 0, 1, 0, 0, 1), field: 'name', value: 'Support #1' });
    expect(iwerp()).toEqual({ seq: 2, at: Date.UTC(2026, 0, 1, 0, 0, 2), field: 'name', value: 'Support #2' });
    expect(s.iwerpState.chatrooms.get(2)).toMatchObject({ name: 'Support #2', updated: '2026-01-01T00:00:02.000Z' });
    expect(messenger()).toMatchObject({ seq: 1, field: 'name', value: 'Org 3 team 120 #1' });
    expect(s.messengerState.rooms.get(120)!.name).toBe('Org 3 team 120 #1');
  });

  it('gives every Popsell change a later time, even within one millisecond', () => {
    const s = states();
    const frozen = Date.UTC(2026, 0, 1) + 0.5;
    const popsell = roomChanger(s, { provider: 'POPSELL', brand: 1, chatroom: 3 }, () => frozen);
    expect(popsell()).toEqual({ seq: 1, at: frozen, field: 'lastMessageAt', value: '2026-01-01T00:00:00.000Z' });
    expect(popsell()).toEqual({ seq: 2, at: frozen, field: 'lastMessageAt', value: '2026-01-01T00:00:00.001Z' });
    expect(s.popsellState.brands.get(1)!.get(3)!.last_message_date).toBe('2026-01-01T00:00:00.001000Z');
  });

  it('refuses a room the simulator does not have', () => {
    const s = states();
    expect(() => roomChanger(s, { provider: 'IWERP', chatroom: 99 })).toThrow(/no chatroom 99/);
    expect(() => roomChanger(s, { provider: 'POPSELL', brand: 2, chatroom: 4 })).toThrow(/no chatroom 4 in brand 2/);
    expect(() => roomChanger(s, { provider: 'MESSENGER', chatroom: 99 })).toThrow(/no chatroom 99/);
  });
});
