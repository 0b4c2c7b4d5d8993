/** A real redis-server (Debian package redis-server), in memory only, on loopback: for test/system/ and the benchmark's live cluster. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

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
