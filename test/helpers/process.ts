/** The gateway as its own process, the way `npm start` runs it: for start-up, signal and fresh-process tests. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const root = new URL('../../', import.meta.url);
/** The node flags of `npm start` ("node [flags] dist/server.js"), so a flag this Node refuses fails here. */
const { scripts } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: { start: string } };
const startFlags = /^node (.*) dist\/server\.js$/.exec(scripts.start)?.[1]?.split(' ') ?? [];

/** Runs `npm start`'s command, on the sources, with the given environment; resolves once it listens or exits. */
export function start(env: Record<string, string>) {
  const child = spawn(process.execPath, [...startFlags, '--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = new Promise<URL | undefined>((resolve) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Chat gateway on (http:\/\/[^\s"\u001b]+)/.exec(output);
      if (match) resolve(new URL(match[1]!.replace('localhost', '127.0.0.1')));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', () => resolve(undefined));
  });
  return { child, ready, output: () => output };
}
