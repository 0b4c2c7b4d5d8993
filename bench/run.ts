/**
 * `npm run bench`: the simulators with a vendor latency, the gateway in a process of its own, the
 * same vendor calls made directly over REST, and (when it installs) Hive Gateway over a Mesh
 * Compose supergraph of our vendor documents; then the live scenario on one gateway (bench/live.ts)
 * and on three sharing a Redis (bench/liveCluster.ts, skipped without redis-server); writes
 * docs/BENCHMARKS.md and the latency chart.
 *
 * Settings: BENCH_LATENCY_MS (20), BENCH_SECONDS per run (8), BENCH_CONNECTIONS (32), BENCH_PEER
 * (1; 0 skips the peer), BENCH_NODE_FLAGS (node flags added after those of `npm start`, to try others),
 * BENCH_GATEWAY_ENV (`NAME=value …` settings added to the live scenarios' gateways, to try others),
 * BENCH_DISTINCT_CONNECTIONS (64) and BENCH_CALLERS (512) for the distinct-caller scenarios,
 * BENCH_ONLY=live or live-cluster (only that live scenario, which replaces its own section of the
 * document), BENCH_COMPARE (another built checkout, measured against this one in the same run:
 * bench/compare.ts; with BENCH_ONLY=compare, only that, printed and not written).
 */
import { cpus, totalmem } from 'node:os';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { startSimulators } from '../src/simulators/index.js';
import { lineChart } from './chart.js';
import { compareCheckout } from './compare.js';
import { replaceSection } from './document.js';
import { liveBenchmark } from './live.js';
import { CLUSTER_HEADING, NO_REDIS, liveClusterBenchmark } from './liveCluster.js';
import { directLoad, graphqlLoad, type LoadResult } from './load.js';
import { PEER_QUERIES, startPeer } from './peer.js';
import { nodeFlags, startGateway, type Service } from './process.js';
import { DISTINCT, measureDistinct, startBareYoga, type Measured } from './realTraffic.js';
import { HEADERS, SCENARIOS, type Scenario } from './scenarios.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 20);
const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const withPeer = process.env.BENCH_PEER !== '0';
const SWEEP = [1, 4, 16, 32, 64];
const distinctConnections = Number(process.env.BENCH_DISTINCT_CONNECTIONS ?? 64);
const callers = Number(process.env.BENCH_CALLERS ?? 512);
/** The scenarios that run alone, each replacing only its own section of the document. */
const ALONE: Record<string, () => Promise<string | undefined>> = { live: liveBenchmark, 'live-cluster': liveClusterBenchmark };
const only = process.env.BENCH_ONLY;
if (only !== undefined && only !== 'compare' && !Object.hasOwn(ALONE, only)) {
  throw new Error(`BENCH_ONLY may be ${[...Object.keys(ALONE), 'compare'].map((key) => `"${key}"`).join(', ')} or unset, not "${only}"`);
}
const compareDir = process.env.BENCH_COMPARE;
if (only === 'compare' && !compareDir) throw new Error('BENCH_ONLY=compare needs BENCH_COMPARE, the directory of another built checkout');

const document = new URL('../docs/BENCHMARKS.md', import.meta.url);
if (only !== undefined && only !== 'compare') {
  const section = await ALONE[only]!();
  // A scenario that could not run (it said why) leaves the document as it was.
  if (section === undefined) process.exit(1);
  await writeFile(document, replaceSection(await readFile(document, 'utf8'), section));
  console.log(section);
  process.exit(0);
}

const simulators = await startSimulators({ latencyMs });
const baseUrls = { iwerp: simulators.iwerp.baseUrl, popsell: simulators.popsell.baseUrl, messenger: simulators.messenger.baseUrl };
const vendorCalls = () => simulators.iwerp.received + simulators.popsell.received + simulators.messenger.received;

const gateway = await startGateway(baseUrls);
if (only === 'compare') {
  // Only the comparison, printed: the document keeps its full run.
  console.log(await compareCheckout(gateway, baseUrls, compareDir!, { seconds, connections, distinctConnections, callers }));
  await gateway.stop();
  await simulators.close();
  process.exit(0);
}
let peer: Service | undefined;
let peerNote = '';
if (withPeer) {
  try {
    peer = await startPeer(baseUrls);
  } catch (error) {
    peerNote = `The peer did not start: ${String(error).split('\n')[0]}`;
    console.error(peerNote);
  }
}

/** Checks an endpoint answers the operation without errors before it is measured; its answer. */
async function verify(url: URL, scenario: Scenario, query = scenario.query) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...HEADERS }, body: JSON.stringify({ query }) });
  const text = await response.text();
  const body = JSON.parse(text) as { errors?: unknown[] };
  if (body.errors) throw new Error(`${url} answers scenario ${scenario.key} with errors: ${JSON.stringify(body.errors).slice(0, 400)}`);
  return text;
}

/** The vendor calls one operation makes on its own, once the previous run's requests have drained. */
async function callsOfOne(url: URL, scenario: Scenario) {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const before = vendorCalls();
  await verify(url, scenario);
  return vendorCalls() - before;
}

interface Row {
  scenario: Scenario;
  gateway: LoadResult;
  /** Vendor calls of one operation alone, and per operation under load (in-flight sharing lowers it). */
  gatewayCalls: number;
  loadCalls: number;
  direct: LoadResult;
  peer?: LoadResult;
  latencyAlone: LoadResult;
}

const rows: Row[] = [];
for (const scenario of SCENARIOS) {
  const gatewayCalls = await callsOfOne(gateway.url, scenario);
  await graphqlLoad(gateway.url.href, scenario.query, HEADERS, connections, 1); // warm-up
  const latencyAlone = await graphqlLoad(gateway.url.href, scenario.query, HEADERS, 1, Math.max(2, seconds / 2));
  const before = vendorCalls();
  const gw = await graphqlLoad(gateway.url.href, scenario.query, HEADERS, connections, seconds);
  const loadCalls = (vendorCalls() - before) / Math.max(1, gw.operations);
  const direct = await directLoad(scenario, baseUrls, connections, seconds);
  let peerResult: LoadResult | undefined;
  const peerQuery = PEER_QUERIES[scenario.key];
  if (peer && peerQuery) {
    try {
      await verify(peer.url, scenario, peerQuery);
      await graphqlLoad(peer.url.href, peerQuery, HEADERS, connections, 1);
      peerResult = await graphqlLoad(peer.url.href, peerQuery, HEADERS, connections, seconds);
    } catch (error) {
      console.error(`peer, scenario ${scenario.key}: ${String(error).slice(0, 300)}`);
    }
  }
  rows.push({ scenario, gateway: gw, gatewayCalls, loadCalls, direct, ...(peerResult ? { peer: peerResult } : {}), latencyAlone });
  console.log(`(${scenario.key}) gateway ${gw.throughput.toFixed(0)} op/s p50 ${gw.p50} p99 ${gw.p99}; direct ${direct.throughput.toFixed(0)} op/s; peer ${peerResult?.throughput.toFixed(0) ?? '-'} op/s; calls/op ${gatewayCalls} (${loadCalls.toFixed(2)} under load); errors ${gw.errors}; alone p50 ${latencyAlone.p50}`);
}

// Latency against concurrency, scenario (c): the gateway's p50/p99 and the direct client's p50.
const c = SCENARIOS.find((s) => s.key === 'c')!;
const sweep = [] as { connections: number; gateway: LoadResult; direct: LoadResult }[];
for (const n of SWEEP) {
  sweep.push({
    connections: n,
    gateway: await graphqlLoad(gateway.url.href, c.query, HEADERS, n, Math.max(2, seconds / 2)),
    direct: await directLoad(c, baseUrls, n, Math.max(2, seconds / 2)),
  });
}

/**
 * Real traffic: scenarios (a), (c) and (e) with every request from another of BENCH_CALLERS callers,
 * at BENCH_DISTINCT_CONNECTIONS, against the gateway, the peer and a bare yoga serving the
 * gateway's own answers (checked identical to the byte) from trivial resolvers.
 */
const bare = await startBareYoga(gateway.url, root);
const distinct = [] as { key: string; of: Scenario; gateway: Measured; peer?: Measured; bare: Measured }[];
for (const { key, of } of DISTINCT) {
  if ((await verify(bare.url, of)) !== (await verify(gateway.url, of))) throw new Error(`The bare yoga's answer to scenario ${of.key} is not the gateway's`);
  const gw = await measureDistinct(gateway, of.query, distinctConnections, seconds, callers);
  let peerResult: Measured | undefined;
  const peerQuery = PEER_QUERIES[of.key];
  if (peer && peerQuery) {
    try {
      peerResult = await measureDistinct(peer, peerQuery, distinctConnections, seconds, callers);
    } catch (error) {
      console.error(`peer, scenario ${key}: ${String(error).slice(0, 300)}`);
    }
  }
  const bareResult = await measureDistinct(bare, of.query, distinctConnections, seconds, callers);
  distinct.push({ key, of, gateway: gw, bare: bareResult, ...(peerResult ? { peer: peerResult } : {}) });
  const figures = (m: Measured | undefined) => (m ? `${m.throughput.toFixed(0)} op/s p50 ${m.p50} p99 ${m.p99} CPU ${(m.cpuPerOp * 1000).toFixed(2)} ms/op` : '-');
  console.log(`(${key}) distinct callers: gateway ${figures(gw)}; peer ${figures(peerResult)}; bare yoga ${figures(bareResult)}; errors ${gw.errors}`);
}
await bare.stop();

const comparison = compareDir ? await compareCheckout(gateway, baseUrls, compareDir, { seconds, connections, distinctConnections, callers }) : '';

const gatewayRss = gateway.rssMiB();
const peerRss = peer?.rssMiB();
await gateway.stop();
await peer?.stop();

/**
 * The read cache (off by default): a second gateway with CACHE_TTL_MS, after the first stopped,
 * so its memory and CPU do not weigh on the figures above. Each scenario at the same concurrency.
 */
const cacheTtlMs = 1000;
const cachedGateway = await startGateway(baseUrls, { CACHE_TTL_MS: String(cacheTtlMs) });
const cached = [] as { scenario: Scenario; result: LoadResult; calls: number }[];
for (const scenario of SCENARIOS) {
  await graphqlLoad(cachedGateway.url.href, scenario.query, HEADERS, connections, 1);
  const before = vendorCalls();
  const result = await graphqlLoad(cachedGateway.url.href, scenario.query, HEADERS, connections, Math.max(2, seconds / 2));
  cached.push({ scenario, result, calls: (vendorCalls() - before) / Math.max(1, result.operations) });
}
await cachedGateway.stop();
await simulators.close();

const svg = lineChart(
  `Scenario (c), ${latencyMs} ms vendors: latency against concurrency`,
  [
    { name: 'gateway p50', color: '#1f77b4', points: sweep.map((s) => ({ x: s.connections, y: s.gateway.p50 })) },
    { name: 'gateway p99', color: '#aec7e8', points: sweep.map((s) => ({ x: s.connections, y: s.gateway.p99 })) },
    { name: 'direct REST p50', color: '#2ca02c', points: sweep.map((s) => ({ x: s.connections, y: s.direct.p50 })) },
  ],
  'concurrent connections',
  'latency (ms)',
);
await writeFile(new URL('../docs/bench-latency.svg', import.meta.url), svg);

const a = rows.find((r) => r.scenario.key === 'a')!;
const f = distinct.find((d) => d.key === 'f')!;
const alone = sweep.find((s) => s.connections === 1)!;
const ideal = 2 * latencyMs;
const ms = (seconds: number | undefined) => (seconds === undefined ? 'n/a' : (seconds * 1000).toFixed(2));
const ratio = (x: number, y: number | undefined) => (y ? (x / y).toFixed(2) : 'n/a');
const met = (ok: boolean | undefined) => (ok === undefined ? 'not measured' : ok ? 'met' : 'not met');
const minimumCalls = (s: Scenario) => s.rounds.flat().length;
const targets = [
  [`(f) distinct callers: gateway CPU per operation ≤ 0.4 × the peer's`, `${ms(f.gateway.cpuPerOp)} ms against ${ms(f.peer?.cpuPerOp)} ms = ${ratio(f.gateway.cpuPerOp, f.peer?.cpuPerOp)} ×`, met(f.peer ? f.gateway.cpuPerOp <= 0.4 * f.peer.cpuPerOp : undefined)],
  [`distinct callers: p99 ≤ 3 × p50 at ${distinctConnections} connections`, distinct.map((d) => `(${d.key}) ${(d.gateway.p99 / Math.max(1, d.gateway.p50)).toFixed(2)}`).join(', '), met(distinct.every((d) => d.gateway.p99 <= 3 * Math.max(1, d.gateway.p50)))],
  ['(c) critical path at 1 connection ≤ 1.10 × a direct client making the same two rounds', `p50 ${alone.gateway.p50} ms against ${alone.direct.p50} ms = ${ratio(alone.gateway.p50, alone.direct.p50)} × (${(alone.gateway.p50 / ideal).toFixed(2)} × the ${ideal} ms of two vendor latencies)`, met(alone.gateway.p50 <= 1.1 * alone.direct.p50)],
  ['(a) throughput ≥ 0.2 × direct REST', `${ratio(a.gateway.throughput, a.direct.throughput)} ×`, met(a.gateway.throughput >= 0.2 * a.direct.throughput)],
  ['identical callers: (a) throughput ≥ 4 × the peer', `${ratio(a.gateway.throughput, a.peer?.throughput)} ×`, met(a.peer ? a.gateway.throughput >= 4 * a.peer.throughput : undefined)],
  ['vendor calls of one operation = the minimum', rows.map((r) => `(${r.scenario.key}) ${r.gatewayCalls}/${minimumCalls(r.scenario)}`).join(', '), met(rows.every((r) => r.gatewayCalls <= minimumCalls(r.scenario)))],
  [`identical callers: p99 ≤ 3 × p50 at ${connections} connections`, rows.map((r) => `(${r.scenario.key}) ${(r.gateway.p99 / Math.max(1, r.gateway.p50)).toFixed(2)}`).join(', '), met(rows.every((r) => r.gateway.p99 <= 3 * Math.max(1, r.gateway.p50)))],
  ['gateway RSS after the run ≤ 150 MiB', `${gatewayRss.toFixed(0)} MiB${peerRss ? ` (peer ${peerRss.toFixed(0)} MiB)` : ''}`, met(gatewayRss <= 150)],
];

const table = rows
  .map((r) =>
    [
      `(${r.scenario.key}) ${r.scenario.title}`,
      r.gateway.throughput.toFixed(0),
      r.gateway.p50,
      r.gateway.p99,
      r.gatewayCalls,
      r.loadCalls.toFixed(2),
      minimumCalls(r.scenario),
      r.direct.throughput.toFixed(0),
      r.direct.p50,
      ratio(r.gateway.throughput, r.direct.throughput),
      r.peer ? r.peer.throughput.toFixed(0) : 'n/a',
      r.peer ? r.peer.p50 : 'n/a',
      ratio(r.gateway.throughput, r.peer?.throughput),
      r.gateway.errors + (r.peer?.errors ?? 0),
    ].join(' | '),
  )
  .map((line) => `| ${line} |`)
  .join('\n');

const cpu = cpus();
const markdown = `# Benchmarks

Generated by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}; do not edit by hand.
Figures come from one run on a shared, noisy machine: compare the ratios within this run, not the
absolute numbers across runs.

- Machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}.
- Command: \`BENCH_LATENCY_MS=${latencyMs} BENCH_SECONDS=${seconds} BENCH_CONNECTIONS=${connections} npm run bench\`; the gateway runs as \`NODE_ENV=production node ${nodeFlags.join(' ')} dist/server.js\`.
- Vendors: the built-in simulators, answering after ${latencyMs} ms. Load: autocannon, ${connections} connections, ${seconds} s per run, after a 1 s warm-up.
- Direct REST: a hand-written client making the same vendor calls over keep-alive connections (each round's calls in parallel, rounds in order), at the same concurrency.
- Live: the last two sections, a scenario of its own (subscriptions over SSE and WebSocket) on one gateway and on three sharing a Redis (\`BENCH_ONLY=live\` or \`BENCH_ONLY=live-cluster npm run bench\` runs one alone).
- Peer: ${peer || rows.some((r) => r.peer) ? 'Hive Gateway (production mode, in-flight dedup on, credential headers forwarded) serving a Mesh Compose supergraph built from `schema/upstreams/*.yaml`; it speaks the vendors\' own shapes, so its operations are the closest equivalent (see `bench/peer/`).' : `not measured. ${peerNote}`}

## Identical callers

${connections} connections sending the same query with the same credentials: identical queries in
flight at once share one execution and its vendor calls, in the gateway as in the peer.

| scenario | gateway op/s | p50 ms | p99 ms | vendor calls/op | under load | minimum | direct op/s | direct p50 ms | gateway/direct | peer op/s | peer p50 ms | gateway/peer | errors |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
${table}

## Distinct callers

Real traffic: the same queries, every request from another of ${callers} callers, each with
credentials of its own (the simulators accept any), at ${distinctConnections} connections: nothing can be
shared. After a warm-up of ${seconds} s at the same load (V8 compiles the paths that distinct callers
take only under them) and a pass of 4 requests per connection that gives the warm pace, each run is
as many requests as that pace answers in ${seconds} s, all answered before the CPU time is read. CPU is what the serving process spent per completed
operation (user and system time of all its threads, from \`/proc\`): it counts work, not waiting,
so it varies far less than throughput on a loaded machine. Bare yoga is graphql-yoga with no
plugin serving the gateway's own answers (the same bytes) from trivial resolvers: what parsing,
validating, executing and serializing the same response cost with no vendor behind it; it runs
them on yoga's own executor, while the gateway runs them compiled by graphql-jit
(\`COMPILED_QUERIES\`, docs/configuration.md).

| scenario | gateway op/s | p50 ms | p99 ms | CPU ms/op | peer op/s | p50 ms | p99 ms | CPU ms/op | bare yoga op/s | p50 ms | p99 ms | CPU ms/op | gateway CPU ÷ peer | gateway CPU ÷ bare | errors |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
${distinct
  .map((d) => {
    const cells = (m: Measured | undefined) => (m ? [m.throughput.toFixed(0), m.p50, m.p99, ms(m.cpuPerOp)] : ['n/a', 'n/a', 'n/a', 'n/a']);
    const row = [`(${d.key}) = (${d.of.key}), distinct callers`, ...cells(d.gateway), ...cells(d.peer), ...cells(d.bare), ratio(d.gateway.cpuPerOp, d.peer?.cpuPerOp), ratio(d.gateway.cpuPerOp, d.bare.cpuPerOp), d.gateway.errors + (d.peer?.errors ?? 0) + d.bare.errors];
    return `| ${row.join(' | ')} |`;
  })
  .join('\n')}

## Targets

| target | figure | |
|---|---|---|
${targets.map((t) => `| ${t.join(' | ')} |`).join('\n')}

Critical path: scenario (c) alone (1 connection) is two dependent vendor rounds — the messages,
then the room their stubs name — compared with the direct client making the same two rounds
alone, in the same run (the vendors add a few ms per round to their ${latencyMs} ms).

The throughput of anything that waits for the vendor once per operation is bounded by the
load itself: ${connections} connections, each waiting at least ${latencyMs} ms per operation, make at most
${connections} / ${latencyMs} ms = ${((connections * 1000) / latencyMs).toFixed(0)} op/s. ${a.peer ? `The peer's ${a.peer.throughput.toFixed(0)} op/s on (a) is ${(a.peer.throughput / ((connections * 1000) / latencyMs)).toFixed(2)} × that bound, so 4 × the peer (${(4 * a.peer.throughput).toFixed(0)} op/s) would need operations answered in ${((connections * 1000) / (4 * a.peer.throughput)).toFixed(1)} ms, less than one vendor call: only answers that skip the vendor can, as with the read cache below.` : ''}

## With the read cache

A second gateway started with \`CACHE_TTL_MS=${cacheTtlMs}\` (off by default: entries are per credential,
and a read may be up to ${cacheTtlMs} ms old), each scenario at ${connections} connections for ${Math.max(2, seconds / 2)} s.
The cache saves the vendor's latency, not the gateway's work: without it, the ${connections} identical
queries wait on the vendor together and share one execution and its JSON; with it, each finishes
before the next arrives and is executed on its own. So it pays where an execution is cheap, and
costs where one is large (the 100-room page).

| scenario | op/s | p50 ms | p99 ms | vendor calls/op | × without cache | × the peer | errors |
|---|---|---|---|---|---|---|---|
${cached
  .map(({ scenario, result, calls }) => {
    const row = rows.find((r) => r.scenario.key === scenario.key)!;
    return `| (${scenario.key}) | ${result.throughput.toFixed(0)} | ${result.p50} | ${result.p99} | ${calls.toFixed(3)} | ${ratio(result.throughput, row.gateway.throughput)} | ${ratio(result.throughput, row.peer?.throughput)} | ${result.errors} |`;
  })
  .join('\n')}

${comparison}
## Latency against concurrency

![latency against concurrency](bench-latency.svg)

| connections | gateway p50 | gateway p99 | direct p50 | gateway op/s | direct op/s |
|---|---|---|---|---|---|
${sweep.map((s) => `| ${s.connections} | ${s.gateway.p50} | ${s.gateway.p99} | ${s.direct.p50} | ${s.gateway.throughput.toFixed(0)} | ${s.direct.throughput.toFixed(0)} |`).join('\n')}
`;
const live = await liveBenchmark();
const cluster = (await liveClusterBenchmark()) ?? `${CLUSTER_HEADING}not measured\n\n${NO_REDIS}.\n`;
await writeFile(document, `${markdown}\n${live}\n${cluster}`);
console.log(markdown, live, cluster);
