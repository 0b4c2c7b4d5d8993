import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { REDIS_BUDGET_MS, RedisLate, settled, stallGuard, withinBudget } from '../../src/http/redisConnection.js';

/**
 * A loopback echo server in a process of its own, as Redis is, answering 20 ms later: it answers
 * while this process is busy, so the answer waits in the socket for this process's next look.
 */
const ECHO = `const s = require('node:net').createServer((c) => c.on('data', (d) => setTimeout(() => c.write(d), 20))).listen(0, '127.0.0.1', () => console.log(s.address().port));`;
let echo: ChildProcess;
let port: number;
beforeAll(async () => {
  echo = spawn(process.execPath, ['-e', ECHO], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(echo.stdout!, 'data')) as [Buffer];
  port = Number(String(line).trim());
});
afterAll(async () => {
  const exited = once(echo, 'exit');
  echo.kill();
  await exited;
});

/** Runs `test` on a connection to the echo server: `send` writes a line, `answer` resolves when it comes back. */
async function withEcho(test: (echo: { answer: Promise<string>; send: () => void }) => Promise<void>) {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const answer = once(socket, 'data').then(([chunk]) => String(chunk));
  try {
    await test({ answer, send: () => socket.write('PING') });
  } finally {
    socket.destroy();
  }
}

const nextCheckPhase = () => new Promise((resolve) => setImmediate(resolve));

/** Keeps this thread busy, as a loaded gateway's event loop is. */
const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

describe('the Redis command budget', () => {
  it('takes an answer that arrived in time even when this process was too busy to read it before the budget ran out', () =>
    withEcho(async ({ answer, send }) => {
      const command = withinBudget(answer);
      await nextCheckPhase();
      // The budget runs; the answer is in the socket 20 ms later; the loop only looks after the budget.
      send();
      busy(REDIS_BUDGET_MS + 150);
      await expect(command).resolves.toBe('PING');
    }));

  it('counts the budget from when the command is written, not from a call in a loop turn that ran on past the budget', () =>
    withEcho(async ({ answer, send }) => {
      // As node-redis writes: in the check phase, once the rest of the turn that issued it is done.
      setImmediate(send);
      const command = withinBudget(answer);
      busy(REDIS_BUDGET_MS + 150);
      await expect(command).resolves.toBe('PING');
    }));

  it('takes a connection that became ready while this process was too busy to read it before the budget ran out', () =>
    withEcho(async ({ answer, send }) => {
      const client = Object.assign(new EventEmitter(), { isReady: false });
      void answer.then(() => {
        client.isReady = true;
        client.emit('ready');
      });
      const readyWhenSettled = settled(client).then(() => client.isReady);
      send();
      busy(REDIS_BUDGET_MS + 150);
      expect(await readyWhenSettled).toBe(true);
    }));

  it('leaves no timer behind once the command is answered', async () => {
    // Every cache lookup, store and APQ read is a command: a reviewer counted 10,000 answered at
    // once, and 10,000 timers still firing a quarter of a second later, each building an error.
    vi.useFakeTimers();
    try {
      await expect(withinBudget(Promise.resolve('OK'))).resolves.toBe('OK');
      await vi.advanceTimersToNextTimerAsync();
      expect(vi.getTimerCount()).toBe(0);
      const answered = withinBudget(new Promise((resolve) => setTimeout(() => resolve('late, in time'), REDIS_BUDGET_MS / 2)));
      await vi.advanceTimersByTimeAsync(REDIS_BUDGET_MS / 2);
      await expect(answered).resolves.toBe('late, in time');
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('still gives up on a command that gets no answer', async () => {
    await expect(withinBudget(new Promise(() => undefined))).rejects.toThrow('Redis did not answer in time');
  });
});

/** A command whose answer the test gives, or withholds, as a stalled Redis does. */
function pending<T>() {
  let answer!: (value: T) => void;
  let fail!: (error: Error) => void;
  const command = new Promise<T>((resolve, reject) => {
    answer = resolve;
    fail = reject;
  });
  return { command, answer, fail };
}

describe('a stalled Redis', () => {
  // An attacker stopped redis-server: every request's lookup, store or APQ read waited out the
  // budget until node-redis's queue was full, 4 ms of work taking 250 ms.
  it('skips the commands a request can do without while one that took the budget is unanswered, and no longer', async () => {
    const guard = stallGuard();
    const late = pending<string>();
    await expect(guard.optional(() => late.command)).rejects.toBeInstanceOf(RedisLate);
    const lookup = vi.fn(() => Promise.resolve('OK'));
    await expect(guard.optional(lookup)).rejects.toBeInstanceOf(RedisLate);
    expect(lookup).not.toHaveBeenCalled();
    await expect(guard.send(Promise.resolve('invalidated'))).resolves.toBe('invalidated');
    late.answer('at last');
    await late.command;
    await expect(guard.optional(lookup)).resolves.toBe('OK');
    expect(lookup).toHaveBeenCalledTimes(1);
  });

  it('counts a late command that had to be sent, and ends the stall when the late command fails (its connection dropped)', async () => {
    const guard = stallGuard();
    const late = pending<string>();
    await expect(guard.send(late.command)).rejects.toBeInstanceOf(RedisLate);
    const lookup = vi.fn(() => Promise.resolve('OK'));
    await expect(guard.optional(lookup)).rejects.toBeInstanceOf(RedisLate);
    late.fail(new Error('Socket closed unexpectedly'));
    await late.command.catch(() => undefined);
    await expect(guard.optional(lookup)).resolves.toBe('OK');
  });

  it('lets commands through that fail at once (Redis away): only a silence pauses them', async () => {
    const guard = stallGuard();
    await expect(guard.optional(() => Promise.reject(new Error('The client is closed')))).rejects.toThrow('The client is closed');
    const lookup = vi.fn(() => Promise.resolve('OK'));
    await expect(guard.optional(lookup)).resolves.toBe('OK');
  });
});
