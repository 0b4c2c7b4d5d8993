import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ProviderKey } from '../src/model/provider.js';

/** The kernel's clock ticks per second, the unit of /proc/<pid>/stat's CPU times. */
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

export interface Service {
  url: URL;
  child: ChildProcess;
  /** Resident memory of the process now, in MiB (Linux /proc). */
  rssMiB(): number;
  /** The most resident memory the process has had, in MiB. */
  peakRssMiB(): number;
  /** CPU time the process has used so far (user and system), in seconds. */
  cpuSeconds(): number;
  /** The lines it logged at warn level or above since it was ready (pino JSON; the first MAX_WARNINGS). */
  warnings(): string[];
  stop(): Promise<void>;
}

const statusMiB = (child: ChildProcess, field: string) =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/** CPU time a process has used so far (user and system), in seconds. */
export function cpuSecondsOf(child: ChildProcess) {
  // Fields 14 and 15 (utime, stime), counted after the command name, which may hold spaces.
  const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** A pino JSON line at warn (40), error (50) or fatal (60). */
const WARNING = /"level":[4-6]0\b/;
const MAX_WARNINGS = 100;

/** Servers started and not yet stopped: killed when the benchmark ends early (Ctrl-C, a timeout, a crash). */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(1));

/** Has `child` killed if the benchmark ends before it stopped it. */
export function killOnExit(child: ChildProcess) {
  running.add(child);
  child.once('exit', () => running.delete(child));
}

/** Starts a server process and waits for the line that gives its URL. */
export function startService(command: string, args: string[], options: { cwd: string; env: Record<string, string>; ready: RegExp; timeoutMs?: number }): Promise<Service> {
  const child = spawn(command, args, { cwd: options.cwd, env: { PATH: process.env.PATH ?? '', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  killOnExit(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not start:\n${output}`)), options.timeoutMs ?? 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = options.ready.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      const warnings: string[] = [];
      for (const stream of [child.stdout, child.stderr]) {
        if (!stream) continue;
        createInterface({ input: stream }).on('line', (line) => {
          if (WARNING.test(line) && warnings.length < MAX_WARNINGS) warnings.push(line);
        });
      }
      resolve({
        url: new URL(match[1]!),
        child,
        rssMiB: () => statusMiB(child, 'VmRSS'),
        peakRssMiB: () => statusMiB(child, 'VmHWM'),
        cpuSeconds: () => cpuSecondsOf(child),
        warnings: () => [...warnings],
        stop: () =>
          new Promise((done) => {
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${command} exited with ${code}:\n${output}`)));
  });
}

/** The gateway runs as `npm start` runs it: with the node flags of package.json's start script. */
const startScript = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } }).scripts.start;
const [command, ...startArgs] = startScript.split(' ').filter(Boolean);
if (command !== 'node' || startArgs.at(-1) !== 'dist/server.js') throw new Error(`bench/process.ts expects "node [flags] dist/server.js" as the start script, not "${startScript}"`);
/** The start script's node flags, and BENCH_NODE_FLAGS after them (to try others). */
export const nodeFlags = [...startArgs.slice(0, -1), ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [])];

/**
 * Starts the built gateway (dist/) on a free loopback port, pointed at `baseUrls`, with `env` added;
 * `checkout` is another built copy of the repository to start instead of this one (BENCH_COMPARE).
 */
export const startGateway = (baseUrls: Record<ProviderKey, URL>, env: Record<string, string> = {}, checkout = fileURLToPath(new URL('../', import.meta.url))) =>
  startService(process.execPath, [...nodeFlags, 'dist/server.js'], {
    cwd: checkout,
    env: {
      // Production mode, as a deployment runs it and as the peer runs (graphql-js then skips its
      // development checks: ~10 % more throughput where executions are not shared, noisy).
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      IWERP_BASE_URL: baseUrls.iwerp.href,
      POPSELL_BASE_URL: baseUrls.popsell.href,
      MESSENGER_BASE_URL: baseUrls.messenger.href,
      ...env,
    },
    ready: /Chat gateway on (http:\/\/[^\s"]+)/,
  });
