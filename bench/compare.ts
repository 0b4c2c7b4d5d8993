/**
 * BENCH_COMPARE: the gateway of this checkout against another built checkout of it (a git worktree
 * of an earlier commit, after `npm run build` there), in the same run, scenario by scenario: the
 * way to show a change made nothing slower. Both serve the same simulators; each scenario runs
 * this, that, this, that (half of BENCH_SECONDS each), so drift in the machine's load falls on
 * both alike. CPU per operation is the figure to read: it counts work, not waiting.
 */
import { execFileSync } from 'node:child_process';
import { relative } from 'node:path';
import type { ProviderKey } from '../src/model/provider.js';
import { startGateway, type Service } from './process.js';
import { DISTINCT, measureDistinct, type Measured } from './realTraffic.js';
import { graphqlLoad } from './load.js';
import { HEADERS, SCENARIOS } from './scenarios.js';

interface Settings {
  seconds: number;
  connections: number;
  distinctConnections: number;
  callers: number;
}

/**
 * Identical callers run for a fixed time (their pace is high and steady, and the few requests in
 * flight at the end are a negligible share); distinct callers as measureDistinct runs them.
 */
async function measure(service: Service, load: { query: string; connections: number; callers: number }, seconds: number): Promise<Measured> {
  if (load.callers > 0) return measureDistinct(service, load.query, load.connections, seconds, load.callers);
  await graphqlLoad(service.url.href, load.query, HEADERS, load.connections, 1);
  const before = service.cpuSeconds();
  const result = await graphqlLoad(service.url.href, load.query, HEADERS, load.connections, seconds);
  return { ...result, cpuPerOp: (service.cpuSeconds() - before) / result.operations };
}

/** Two runs' figures as one: operations and CPU summed, throughput averaged, the worse p99. */
function merge(runs: Measured[]) {
  const operations = runs.reduce((sum, r) => sum + r.operations, 0);
  return {
    throughput: runs.reduce((sum, r) => sum + r.throughput, 0) / runs.length,
    p50: Math.max(...runs.map((r) => r.p50)),
    p99: Math.max(...runs.map((r) => r.p99)),
    cpuPerOp: runs.reduce((sum, r) => sum + r.cpuPerOp * r.operations, 0) / operations,
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
  };
}

/** Measures `gateway` and the checkout at `dir` alike; returns the section of docs/BENCHMARKS.md. */
export async function compareCheckout(gateway: Service, baseUrls: Record<ProviderKey, URL>, dir: string, settings: Settings): Promise<string> {
  const commit = execFileSync('git', ['-C', dir, 'log', '-1', '--format=%h %s'], { encoding: 'utf8' }).trim();
  const ours = execFileSync('git', ['log', '-1', '--format=%h'], { encoding: 'utf8' }).trim();
  const other = await startGateway(baseUrls, {}, dir);
  const half = Math.max(1, settings.seconds / 2);
  const loads = [
    ...SCENARIOS.map((s) => ({ key: s.key, title: `(${s.key}) identical callers`, query: s.query, connections: settings.connections, callers: 0 })),
    ...DISTINCT.map((d) => ({ key: d.key, title: `(${d.key}) = (${d.of.key}), distinct callers`, query: d.of.query, connections: settings.distinctConnections, callers: settings.callers })),
  ];
  const rows: string[] = [];
  try {
    for (const load of loads) {
      const runs = { ours: [] as Measured[], theirs: [] as Measured[] };
      for (let round = 0; round < 2; round += 1) {
        runs.ours.push(await measure(gateway, load, half));
        runs.theirs.push(await measure(other, load, half));
      }
      const [a, b] = [merge(runs.ours), merge(runs.theirs)];
      const ratio = (x: number, y: number) => (x / y).toFixed(2);
      rows.push(`| ${load.title} | ${a.throughput.toFixed(0)} | ${b.throughput.toFixed(0)} | ${ratio(a.throughput, b.throughput)} | ${(a.cpuPerOp * 1000).toFixed(3)} | ${(b.cpuPerOp * 1000).toFixed(3)} | ${ratio(a.cpuPerOp, b.cpuPerOp)} | ${a.p99} | ${b.p99} | ${a.errors + b.errors} |`);
      console.log(`compare ${rows.at(-1)}`);
    }
  } finally {
    await other.stop();
  }
  return `## Against another commit

\`BENCH_COMPARE=${relative(process.cwd(), dir) || dir}\`: this checkout (${ours}) against \`${commit}\`, both built and serving the same
simulators in this run. Each scenario ran this, that, this, that, ${half} s each after a 1 s
warm-up (distinct-caller runs: a warm-up as long as the run, then as many requests as the warm pace answers in that time). CPU per operation is the figure to
compare: the other figures move with the machine's load.

| scenario | op/s this | op/s that | × | CPU ms/op this | CPU ms/op that | × | p99 ms this | p99 ms that | errors |
|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}
`;
}
