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

/** Sends a line to the echo server; resolves when it comes back. */
async function roundTrip() {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const answer = once(socket, 'data').then(([chunk]) => String(chunk));
  socket.write('PING');
  return { answer, close: () => socket.destroy() };
}

/** Keeps this thread busy, as a loaded gateway's event loop is. */
const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

describe('the Redis command budget', () => {
  it('takes an answer that arrived in time even when this process was too busy to read it before the budget ran out', async () => {
    const { answer, close } = await roundTrip();
    try {
      const command = withinBudget(answer);
      // The answer is in the socket within microseconds; the loop only looks after the budget.
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
