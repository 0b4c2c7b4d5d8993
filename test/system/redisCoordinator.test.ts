import { pino } from 'pino';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRedisCoordinator } from '../../src/live/redisCoordinator.js';
import { createLiveRegistry, type LiveSettings } from '../../src/live/registry.js';
import type { Credentials } from '../../src/upstreams/credentials.js';
import { startRedis } from '../helpers/redisServer.js';
import { until } from '../helpers/sseEvents.js';

/**
 * Two instances' registries sharing one real Redis, where instance b connects as its own Redis user:
 * taking that user's rights away (ACL) makes b's commands fail, or its connections drop and stay
 * down, exactly when the test says, while a keeps working and holds every lease.
 */
const INTERVAL_MS = 5000;
const settings: LiveSettings = {
  intervalMs: { IWERP: INTERVAL_MS, POPSELL: INTERVAL_MS, MESSENGER: INTERVAL_MS },
  maxPollsPerSecond: { IWERP: 100, POPSELL: 100, MESSENGER: 100 },
  maxPollsInFlight: { IWERP: 8, POPSELL: 8, MESSENGER: 8 },
  maxSubscriptions: 100,
  maxSubscriptionsPerCredential: 100,
};
const credentials: Credentials = { iwerp: { sessionToken: 'session-1', buildId: undefined, packageId: undefined }, popsell: null, messenger: null };

let redis: Awaited<ReturnType<typeof startRedis>>;
let admin: ReturnType<typeof createClient>;
beforeAll(async () => {
  redis = await startRedis();
  admin = createClient({ url: redis.url });
  await admin.connect();
  await admin.sendCommand(['ACL', 'SETUSER', 'b', 'on', '>b-secret', '~*', '&*', '+@all']);
});
afterAll(async () => {
  await admin?.close();
  await redis?.stop();
});

/** The vendor: each room's name, and which instance read it. */
const names = new Map<number, string>();
const fetches: string[] = [];

function startInstance(name: string, url: string) {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  const coordinator = createRedisCoordinator({ url: new URL(url), logger, settings, paused: () => false });
  const registry = createLiveRegistry({ settings, paused: () => false, coordinator });
  return {
    registry,
    logged: (text: string) => lines.some((line) => line.includes(text)),
    /** Subscribes to a room here; returns the names its subscriber hears, as they come. */
    watch(room: number) {
      const resource = {
        provider: 'IWERP' as const,
        key: `chatroom|${room}`,
        fetch: async () => {
          fetches.push(`${name}:${room}`);
          return names.get(room) as string;
        },
        same: (x: string, y: string) => x === y,
      };
      const heard: string[] = [];
      void (async () => {
        for await (const snapshot of registry.watch(resource, credentials)) if (snapshot.kind === 'state') heard.push(snapshot.value);
      })();
      return heard;
    },
  };
}

let a: ReturnType<typeof startInstance>;
let b: ReturnType<typeof startInstance>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
beforeEach(async () => {
  a = startInstance('a', redis.url);
  b = startInstance('b', redis.url.replace('redis://', 'redis://b:b-secret@'));
  // Both coordinate (each tick records its instance) before anything is watched.
  for (const start = Date.now(); (await admin.hLen('chat-gateway:live:instances')) < 2; await sleep(20)) {
    if (Date.now() - start > 5000) throw new Error('the two instances never coordinated');
  }
});
afterEach(async () => {
  await admin.sendCommand(['ACL', 'SETUSER', 'b', 'on', '+@all']);
  await Promise.all([a.registry.close(), b.registry.close()]);
});

/** Instance a watches the room first: it holds the lease, polls, and stores the state b will read. */
async function heldByA(room: number) {
  names.set(room, `Team ${room}`);
  const heard = a.watch(room);
  await until(() => heard.length === 1, 3000, `room ${room} polled by a`);
  for (const start = Date.now(); !(await admin.keys(`chat-gateway:live:state:*chatroom|${room}`)).length; await sleep(20)) {
    if (Date.now() - start > 3000) throw new Error(`no stored state for room ${room}`);
  }
}

/** A write through a: the holder polls at once and publishes what changed. */
function rename(room: number, name: string) {
  names.set(room, name);
  a.registry.touch('IWERP', `chatroom|${room}`);
}

/** Resolves just after instance a's next tick: its heartbeat, the instance entry holding one lease, changes in Redis. */
async function afterTickOfA() {
  const entryOfA = async () => Object.values(await admin.hGetAll('chat-gateway:live:instances')).find((entry) => entry.endsWith(',1,0,0'));
  const before = await entryOfA();
  for (const start = Date.now(); (await entryOfA()) === before; await sleep(5)) {
    if (Date.now() - start > 3000) throw new Error('instance a never ticked');
  }
}

/** Keeps Redis busy for `ms` (a script runs alone), so what it is sent meanwhile is answered late. */
const STALL = `local stop = nil
repeat
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  stop = stop or now + tonumber(ARGV[1])
until now >= stop`;

describe('Redis answering past the budget for a moment does not make an instance poll alone', () => {
  it('a write (the share of a rename)', async () => {
    await heldByA(4);
    const onB = b.watch(4);
    await until(() => onB.length === 1, 3000, 'the first state on b');
    // Between two of a's ticks (a quarter interval apart), so that none of them waits on the stall.
    await afterTickOfA();
    const stall = admin.eval(STALL, { arguments: ['400'] });
    await sleep(20);
    // a's share of the rename reaches Redis during the stall and is answered about 380 ms later.
    rename(4, 'Renamed four');
    await stall;
    await until(() => onB.length === 2, 3000, 'the rename on b');
    expect(onB).toEqual(['Team 4', 'Renamed four']);
    expect(a.logged('Redis away')).toBe(false);
  });

  it('one tick', async () => {
    await heldByA(5);
    await afterTickOfA();
    // a's next tick comes a quarter interval (1,250 ms) after the last: inside this stall.
    await sleep(INTERVAL_MS / 4 - 100);
    await admin.eval(STALL, { arguments: ['400'] });
    await sleep(INTERVAL_MS / 4);
    expect(a.logged('Redis away')).toBe(false);
    expect(fetches.filter((f) => f === 'b:5')).toEqual([]);
  });

  it('a join: the next tick does what it did not', async () => {
    await heldByA(6);
    const stall = admin.eval(STALL, { arguments: ['400'] });
    await sleep(20);
    const onB = b.watch(6);
    await stall;
    await until(() => onB.length === 1, INTERVAL_MS / 2, 'the first state on b');
    expect(onB).toEqual(['Team 6']);
    expect(b.logged('Redis away')).toBe(false);
    expect(fetches).not.toContain('b:6');
  });
});

describe('a room first watched while Redis fails for this instance is joined once Redis answers again', () => {
  it('the listening connection down at the join: the room’s channel is listened to afterwards, so the next change arrives', async () => {
    await heldByA(1);
    await admin.sendCommand(['ACL', 'SETUSER', 'b', 'off']);
    await admin.sendCommand(['CLIENT', 'KILL', 'USER', 'b']);
    await until(() => b.logged('Redis away: live polls'), 3000, 'b noticing Redis away');
    const onB = b.watch(1);
    // Redis away: b polls for itself meanwhile.
    await until(() => onB.length === 1, 3000, 'the first state on b, polled there');
    await admin.sendCommand(['ACL', 'SETUSER', 'b', 'on']);
    await until(() => b.logged('Redis back: live polls'), 6000, 'b coordinating again');
    const bPolls = fetches.filter((f) => f === 'b:1').length;
    rename(1, 'Renamed one');
    await until(() => onB.length === 2, 2000, 'the rename on b');
    expect(onB).toEqual(['Team 1', 'Renamed one']);
    // It came through Redis: b no longer polls a room a polls.
    expect(fetches.filter((f) => f === 'b:1').length).toBe(bPolls);
  });

  it('a command of the join failing after the subscribe: the holder’s stored state is read afterwards, so the first state arrives', async () => {
    await heldByA(2);
    await admin.sendCommand(['ACL', 'SETUSER', 'b', '-get', '-mget']);
    const onB = b.watch(2);
    await until(() => b.logged('Redis away: live polls'), 3000, 'b’s join failing');
    await admin.sendCommand(['ACL', 'SETUSER', 'b', '+get', '+mget']);
    await until(() => onB.length === 1, 3000, 'the first state on b');
    expect(onB).toEqual(['Team 2']);
    expect(fetches).not.toContain('b:2');
  });

  it('a change published while the listening connection is down and Redis away for this instance is read back from the stored state', async () => {
    await heldByA(3);
    const onB = b.watch(3);
    await until(() => onB.length === 1, 3000, 'the first state on b');
    await admin.sendCommand(['ACL', 'SETUSER', 'b', 'off']);
    await admin.sendCommand(['CLIENT', 'KILL', 'USER', 'b']);
    rename(3, 'Renamed three');
    await until(() => b.logged('Redis away: live polls'), 3000, 'b noticing Redis away');
    await admin.sendCommand(['ACL', 'SETUSER', 'b', 'on']);
    await until(() => b.logged('Redis back: live polls'), 6000, 'b coordinating again');
    await until(() => onB.length === 2, 1000, 'the missed rename on b');
    expect(onB).toEqual(['Team 3', 'Renamed three']);
    expect(fetches).not.toContain('b:3');
  });
});
