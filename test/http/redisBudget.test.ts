import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_BUDGET_MS, withinBudget } from '../../src/http/redisConnection.js';

/**
 * A loopback echo server in a process of its own, as Redis is: it answers while this process is
 * busy, so the answer waits in the socket for this process's next look.
 */
const ECHO = `const s = require('node:net').createServer((c) => c.pipe(c)).listen(0, '127.0.0.1', () => console.log(s.address().port));`;
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

/**
 * Sends a line to the echo server, at once or, as node-redis writes its commands, in the loop's
 * next check phase (setImmediate); `answer` resolves when it comes back.
 */
async function roundTrip(write: 'now' | 'in the check phase' = 'now') {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const answer = once(socket, 'data').then(([chunk]) => String(chunk));
  if (write === 'now') socket.write('PING');
  else setImmediate(() => socket.write('PING'));
  return { answer, close: () => socket.destroy() };
}

/** Keeps this thread busy, as a loaded gateway's event loop is. */
const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

describe('the Redis command budget', () => {
  it.each([
    // The answer is in the socket within microseconds; the loop only looks after the budget.
    ['takes an answer that arrived in time even when this process was too busy to read it before the budget ran out', 'now'],
    // The rest of the turn that issued the command runs on past the budget: it is written only then.
    ['counts the budget from when the command is written, not from a call in a loop turn that ran on past the budget', 'in the check phase'],
  ] as const)('%s', async (_, write) => {
    const { answer, close } = await roundTrip(write);
    try {
      const command = withinBudget(answer);
      busy(REDIS_BUDGET_MS + 150);
      await expect(command).resolves.toBe('PING');
    } finally {
      close();
    }
  });

  it('still gives up on a command that gets no answer', async () => {
    await expect(withinBudget(new Promise(() => undefined))).rejects.toThrow('Redis did not answer in time');
  });
});
