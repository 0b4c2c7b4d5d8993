/**
 * Logs follow where they go: lines for humans on a terminal, JSON for a pipe (a log collector),
 * unless LOG_PRETTY says otherwise. The terminal is a real pseudo-terminal from util-linux's
 * `script`, which is why this lives with the system tests.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);

/** Starts the gateway on the sources, its stdout a terminal or a pipe; resolves with what it printed once it listens, then stops it. */
async function firstLines(terminal: boolean, env: Record<string, string> = {}) {
  const command = `${JSON.stringify(process.execPath)} --import tsx src/server.ts`;
  const child = terminal
    ? spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], { cwd: root, env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...env }, stdio: ['pipe', 'pipe', 'pipe'] })
    : spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: root, env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/Chat gateway on/.test(output)) resolve();
    });
    child.once('exit', () => resolve());
  });
  // SIGTERM reaches the gateway through script's terminal as well as directly.
  child.kill('SIGTERM');
  await once(child, 'exit');
  return output;
}

describe('log format', () => {
  it('on a terminal: coloured lines with a clock time, no JSON', async () => {
    const output = await firstLines(true, { LOG_PRETTY: '' });
    expect(output).toMatch(/\[\d\d:\d\d:\d\d\.\d{3}\] .*INFO.*Demo mode/);
    expect(output).not.toMatch(/\{"level"/);
  }, 30_000);

  it('on a pipe: one JSON object a line', async () => {
    const output = await firstLines(false, { LOG_PRETTY: '' });
    const lines = output.trim().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(JSON.parse(line)).toHaveProperty('level');
  }, 30_000);

  it('LOG_PRETTY=false keeps JSON on a terminal', async () => {
    const output = await firstLines(true, { LOG_PRETTY: 'false' });
    expect(output).toMatch(/\{"level":30,.*"msg":"Demo mode/);
  }, 30_000);
});
