/** A real redis-server (Debian package redis-server), in memory only, on loopback: for test/system/ and the benchmark's live cluster. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo } from 'node:net';

/** A port nobody listens on right now. */
export const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

/**
 * Starts redis-server on `port` (default: a free one); `stop()` ends it and resolves once it exited.
 * Rejects with the spawn error (code ENOENT) when redis-server is not on PATH.
 */
export async function startRedis(port?: number) {
  const at = port ?? (await freePort());
  const redis = spawn('redis-server', ['--port', String(at), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    redis.once('error', reject);
    redis.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Ready to accept connections')) resolve();
    });
  });
  return {
    port: at,
    child: redis,
    url: `redis://127.0.0.1:${at}`,
    async stop() {
      if (redis.exitCode !== null) return;
      const exited = once(redis, 'exit');
      redis.kill();
      await exited;
    },
  };
}

/**
 * A loopback proxy to a Redis whose answers can be held back (`answers.delayMs`), as an instance too
 * busy to read them, or far from Redis, sees them; `cut()` drops its connections and refuses new
 * ones (a network partition) until `restore()`.
 */
export async function redisProxy(redisUrl: string) {
  const answers = { delayMs: 0 };
  const open = new Set<() => void>();
  let cut = false;
  const server = createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(new URL(redisUrl).port), '127.0.0.1');
    const end = () => {
      open.delete(end);
      client.destroy();
      upstream.destroy();
    };
    open.add(end);
    const later = (then: () => void) => (answers.delayMs ? setTimeout(then, answers.delayMs) : then());
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => later(() => client.write(chunk)));
    // Redis's end reaches the client after the answers before it (QUIT's among them).
    upstream.on('close', () => later(end)).on('error', end);
    client.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `redis://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answers,
    cut() {
      cut = true;
      for (const end of [...open]) end();
    },
    restore() {
      cut = false;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
