/**
 * The live scenario across three gateways sharing one Redis (`BENCH_ONLY=live-cluster npm run
 * bench` alone; last in `npm run bench`): the clients of bench/liveRun.ts spread over the
 * instances so that every watched pair has subscribers on two of them. It shows whether the
 * cluster polls like one gateway (one lease per pair, its results published to the others) and
 * what that costs in latency, memory, CPU and Redis. Returns its section of docs/BENCHMARKS.md,
 * or undefined (after one line on stderr) when redis-server is not on PATH.
 *
 * Settings: BENCH_LIVE_CLUSTER_SCOPES (10 credential scopes), and those of bench/liveRun.ts.
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { startRedis } from '../test/helpers/redisServer.js';
import { commandBullet, runBullets, runLive, runTables, targetRows, type InstanceFigures } from './liveRun.js';
import { killOnExit } from './process.js';

/**
 * A tenth of the single-instance scenario: here three gateways, Redis, the clients' process and
 * the vendors' share a machine of two cores. At 10 scopes they took about 0.6 of a core in all
 * during development runs, so what is measured is the coordination, not a starved machine.
 */
const scopes = Number(process.env.BENCH_LIVE_CLUSTER_SCOPES ?? 10);
const INSTANCES = 3;
/** The issue's target for a cluster: a poll's result crosses Redis before it is diffed and delivered. */
const ALLOWANCE_MS = 300;

/** The section's heading up to its figures, and what it says when the scenario cannot run. */
export const CLUSTER_HEADING = '## Live across three instances: ';
export const NO_REDIS = 'redis-server is not on PATH (apt-get install redis-server)';

/** A pino line's message, and its error if any. */
function warningText(line: string) {
  try {
    const { msg, err } = JSON.parse(line) as { msg?: string; err?: unknown };
    return err === undefined ? String(msg) : `${msg} (${String(err)})`;
  } catch {
    return line.slice(0, 200);
  }
}

const tally = (texts: string[]) => texts.reduce((counts, text) => counts.set(text, (counts.get(text) ?? 0) + 1), new Map<string, number>());

export async function liveClusterBenchmark(): Promise<string | undefined> {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  try {
    redis = await startRedis();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    console.error(`live-cluster: skipped, ${NO_REDIS}`);
    return undefined;
  }
  killOnExit(redis.child);
  const version = /v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1] ?? 'unknown';
  try {
    const run = await runLive({ scopes, instances: INSTANCES, env: { REDIS_URL: redis.url }, sidecar: redis.child });
    const rows = targetRows(run, ALLOWANCE_MS);
    const pct = (cores: number) => (cores * 100).toFixed(0);
    const sum = (pick: (gateway: InstanceFigures) => number) => run.gateways.reduce((total, gateway) => total + pick(gateway), 0);
    const warnings = run.gateways
      .flatMap((g, i) => [...tally(g.warnings.map(warningText))].map(([text, count]) => `gateway ${i + 1}, ${count} × "${text}"`))
      .join('; ');
    return `${CLUSTER_HEADING}${run.subscribers.toLocaleString('en')} subscribers, one Redis

Run alone with \`BENCH_ONLY=live-cluster npm run bench\` (it then replaces only this section); generated on ${new Date().toISOString().slice(0, 10)}.

${commandBullet(run, 'BENCH_LIVE_CLUSTER_SCOPES', `each of the ${INSTANCES} gateways runs`)} Redis is \`redis-server\` ${version}, in memory, on loopback.
- Scale: ${scopes} scopes, where the single-instance scenario runs 100: the ${INSTANCES} gateways, Redis, the clients' process and the vendors' all share this machine's ${cpus().length} cores, so this run measures the coordination (polls across the cluster, latency across Redis, lost states), not how many subscribers a cluster holds; the single-instance scenario measures scale.
- Connections: spread as a round robin across the instances would spread them, arranged so that every watched pair has subscribers on two instances: scope s's WebSocket on instance s mod ${INSTANCES}, its SSE connections alternating over the other two. So every pair's lease is contested, and its poll's result reaches the instance that did not poll through Redis (pub/sub), which diffs and delivers it. The minimum below is one poll per pair and interval, what a single instance makes.
${runBullets(run)}

| target | figure | |
|---|---|---|
${rows.polls}
${rows.latency}
${rows.lost}

| instance | SSE connections | WebSockets | watched pairs | polls/s | without a first event | lost final states | RSS subscribed MiB | RSS max MiB | CPU % of a core | warnings logged |
|---|---|---|---|---|---|---|---|---|---|---|
${run.gateways.map((g, i) => `| gateway ${i + 1} | ${g.sse} | ${g.ws} | ${g.watchedPairs} | ${g.polls.toFixed(1)} | ${g.unstarted} | ${g.lost} | ${g.rssSubscribed.toFixed(0)} | ${g.rssMax.toFixed(0)} | ${pct(g.cpu)} | ${g.warnings.length} |`).join('\n')}
| all | ${sum((g) => g.sse)} | ${sum((g) => g.ws)} | | ${sum((g) => g.polls).toFixed(1)} | ${sum((g) => g.unstarted)} | ${sum((g) => g.lost)} | ${sum((g) => g.rssSubscribed).toFixed(0)} | ${sum((g) => g.rssMax).toFixed(0)} | ${pct(sum((g) => g.cpu))} | ${sum((g) => g.warnings.length)} |

An instance's watched pairs are those its subscribers watch (each pair counts on both of its instances); its polls are those it made as the lease holder; its subscriptions without a first event are counted when the set-up ended. Redis used ${pct(run.sidecarCpu ?? 0)} % of a core over the window.${warnings ? ` What the instances warned of: ${warnings}.` : ''}

${runTables(run)}
`;
  } finally {
    await redis.stop();
  }
}
