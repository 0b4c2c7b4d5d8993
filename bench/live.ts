/**
 * The live scenario of `npm run bench` (alone: `BENCH_ONLY=live npm run bench`): many clients
 * subscribed to chatrooms over SSE and WebSocket on one gateway (bench/liveRun.ts). Returns its
 * section of docs/BENCHMARKS.md.
 *
 * Settings: BENCH_LIVE_SCOPES (100 credential scopes), and those of bench/liveRun.ts.
 */
import { commandBullet, met, runBullets, runLive, runTables, targetRows } from './liveRun.js';

const scopes = Number(process.env.BENCH_LIVE_SCOPES ?? 100);

export async function liveBenchmark(): Promise<string> {
  const run = await runLive({ scopes, instances: 1 });
  const gateway = run.gateways[0]!;
  const rows = targetRows(run, 250);
  return `## Live: ${run.subscribers.toLocaleString('en')} subscribers over one shared poller

Run alone with \`BENCH_ONLY=live npm run bench\` (it then replaces only this section); generated on ${new Date().toISOString().slice(0, 10)}.

${commandBullet(run, 'BENCH_LIVE_SCOPES', 'the gateway runs')}
${runBullets(run)}

| target | figure | |
|---|---|---|
${rows.polls}
${rows.latency}
| gateway RSS ≤ 400 MiB at ${run.subscribers.toLocaleString('en')} subscribers | ${gateway.rssSubscribed.toFixed(0)} MiB subscribed, ${gateway.rssMax.toFixed(0)} MiB at most while changing (peak of the process ${gateway.peakRss.toFixed(0)} MiB) | ${met(gateway.rssMax <= 400)} |
${rows.lost}

Gateway CPU over the window: ${(gateway.cpu * 100).toFixed(0)} % of one core.

${runTables(run)}
`;
}
