import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRedisCoordinator } from '../../src/live/redisCoordinator.js';
import { createLiveRegistry } from '../../src/live/registry.js';
import type { Credentials } from '../../src/upstreams/credentials.js';
import { liveSettings } from '../helpers/config.js';
import { useOwnRedis } from '../helpers/ownRedis.js';
import { redisProxy } from '../helpers/redisServer.js';
import { until } from '../helpers/sseEvents.js';

/**
 * Two instances' registries sharing one real Redis, where instance b connects as its own Redis user:
 * taking that user's rights away (ACL) makes b's commands fail, or its connections drop and stay
 * down, exactly when the test says, while a keeps working and holds every lease.
 */
const INTERVAL_MS = 5000;
const settings = liveSettings(INTERVAL_MS);
const credentials: Credentials = { iwerp: { sessionToken: 'session-1', buildId: undefined, packageId: undefined }, popsell: null, messenger: null };

const own = useOwnRedis((admin) => admin.sendCommand(['ACL', 'SETUSER', 'b', 'on', '>b-secret', '~*', '&*', '+@all']));

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

const INSTANCES = 'chat-gateway:live:instances';
let a: ReturnType<typeof startInstance>;
let b: ReturnType<typeof startInstance>;
/** Instance a's field in the instances hash (its heartbeat). */
let aField: string;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The field of an instance that just started ticking: one not in `known` (an earlier test's instance may have left its own). */
async function newInstance(known: Set<string>) {
  for (const start = Date.now(); ; await sleep(20)) {
    const field = (await own.admin.hKeys(INSTANCES)).find((name) => !known.has(name));
    if (field) return field;
    if (Date.now() - start > 5000) throw new Error('an instance never coordinated');
  }
}

beforeEach(async () => {
  // Both coordinate (each tick records its instance) before anything is watched.
  const known = new Set(await own.admin.hKeys(INSTANCES));
  a = startInstance('a', own.redis.url);
  aField = await newInstance(known);
  known.add(aField);
  b = startInstance('b', own.redis.url.replace('redis://', 'redis://b:b-secret@'));
  await newInstance(known);
});
afterEach(async () => {
  await own.admin.sendCommand(['ACL', 'SETUSER', 'b', 'on', '+@all']);
  await Promise.all([a.registry.close(), b.registry.close()]);
});

/** Instance a watches the room first: it holds the lease, polls, and stores the state b will read. */
async function heldByA(room: number) {
  names.set(room, `Team ${room}`);
  const heard = a.watch(room);
  await until(() => heard.length === 1, 3000, `room ${room} polled by a`);
  for (const start = Date.now(); !(await own.admin.keys(`chat-gateway:live:state:*chatroom|${room}`)).length; await sleep(20)) {
    if (Date.now() - start > 3000) throw new Error(`no stored state for room ${room}`);
  }
}

/** A write through a: the holder polls at once and publishes what changed. */
function rename(room: number, name: string) {
  names.set(room, name);
  a.registry.touch('IWERP', `chatroom|${room}`);
}

/** When instance a's heartbeat expires (Redis's clock): it moves on with each tick that reaches its heartbeat. */
const heartbeatOfA = async () => Number((await own.admin.hGet(INSTANCES, aField))?.split(',')[0]);

/** Resolves just after instance a's next heartbeat. */
async function afterTickOfA() {
  const before = await heartbeatOfA();
  for (const start = Date.now(); (await heartbeatOfA()) === before; await sleep(5)) {
    if (Date.now() - start > 5000) throw new Error('instance a never ticked');
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
    const stall = own.admin.eval(STALL, { arguments: ['400'] });
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
    const before = await heartbeatOfA();
    // From just after a tick to past the next (a quarter interval on), which Redis then answers
    // about 500 ms late; the one after comes when Redis answers at once again.
    await own.admin.eval(STALL, { arguments: [String(INTERVAL_MS / 4 + 500)] });
    await afterTickOfA();
    // The late tick sent no heartbeat: the next came two ticks after the one before the stall.
    expect((await heartbeatOfA()) - before).toBeGreaterThanOrEqual(2 * (INTERVAL_MS / 4));
    expect(a.logged('Redis away')).toBe(false);
  });

  it('a join: the next tick does what it did not', async () => {
    await heldByA(6);
    const stall = own.admin.eval(STALL, { arguments: ['400'] });
    await sleep(20);
    const onB = b.watch(6);
    await stall;
    await until(() => onB.length === 1, INTERVAL_MS / 2, 'the first state on b');
    expect(onB).toEqual(['Team 6']);
    expect(b.logged('Redis away')).toBe(false);
    expect(fetches).not.toContain('b:6');
  });
});

describe('an instance that reads Redis late for good', () => {
  it('polls alone, hands its leases back and takes none: another instance polls its pairs for their subscribers there', async () => {
    const proxy = await redisProxy(own.redis.url);
    const c = startInstance('c', proxy.url);
    try {
      names.set(9, 'Team 9');
      const onC = c.watch(9);
      await until(() => onC.length === 1 && fetches.includes('c:9'), 3000, 'room 9 polled by c');
      const onA = a.watch(9);
      await until(() => onA.length === 1, 3000, 'the first state on a, from c');
      // c's commands still run in Redis at once; it reads their answers 300 ms late.
      proxy.answers.delayMs = 300;
      await until(() => c.logged('Redis away'), 3 * (INTERVAL_MS / 4) + 1000, 'c giving up on Redis');
      names.set(9, 'Renamed nine');
      await until(() => onA.length === 2, 2 * INTERVAL_MS, 'the rename on a');
      expect(onA).toEqual(['Team 9', 'Renamed nine']);
      expect(fetches).toContain('a:9');
    } finally {
      await c.registry.close();
      await proxy.close();
    }
  });
});

describe('a room first watched while Redis fails for this instance is joined once Redis answers again', () => {
  it('the listening connection down at the join: the room’s channel is listened to afterwards, so the next change arrives', async () => {
    await heldByA(1);
    await own.admin.sendCommand(['ACL', 'SETUSER', 'b', 'off']);
    await own.admin.sendCommand(['CLIENT', 'KILL', 'USER', 'b']);
    await until(() => b.logged('Redis away: live polls'), 3000, 'b noticing Redis away');
    const onB = b.watch(1);
    // Redis away: b polls for itself meanwhile.
    await until(() => onB.length === 1, 3000, 'the first state on b, polled there');
    await own.admin.sendCommand(['ACL', 'SETUSER', 'b', 'on']);
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
    await own.admin.sendCommand(['ACL', 'SETUSER', 'b', '-get', '-mget']);
    const onB = b.watch(2);
    await until(() => b.logged('Redis away: live polls'), 3000, 'b’s join failing');
    await own.admin.sendCommand(['ACL', 'SETUSER', 'b', '+get', '+mget']);
    await until(() => onB.length === 1, 3000, 'the first state on b');
    expect(onB).toEqual(['Team 2']);
    expect(fetches).not.toContain('b:2');
  });

  it('a change published while the listening connection is down and Redis away for this instance is read back from the stored state', async () => {
    await heldByA(3);
    const onB = b.watch(3);
    await until(() => onB.length === 1, 3000, 'the first state on b');
    await own.admin.sendCommand(['ACL', 'SETUSER', 'b', 'off']);
    await own.admin.sendCommand(['CLIENT', 'KILL', 'USER', 'b']);
    rename(3, 'Renamed three');
    await until(() => b.logged('Redis away: live polls'), 3000, 'b noticing Redis away');
    await own.admin.sendCommand(['ACL', 'SETUSER', 'b', 'on']);
    await until(() => b.logged('Redis back: live polls'), 6000, 'b coordinating again');
    await until(() => onB.length === 2, 1000, 'the missed rename on b');
    expect(onB).toEqual(['Team 3', 'Renamed three']);
    expect(fetches).not.toContain('b:3');
  });
});
