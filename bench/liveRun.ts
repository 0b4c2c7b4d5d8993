/**
 * The live scenario's run, shared by its two sections of docs/BENCHMARKS.md (one gateway,
 * bench/live.ts; three sharing one Redis, bench/liveCluster.ts): many clients subscribed to
 * chatrooms over SSE and WebSocket, the simulators changing those rooms at a steady rate, the
 * gateways polling them. It measures vendor polls against the minimum, the delay from a change to
 * each client's receipt, each gateway's memory and CPU, and whether every subscriber ended on the
 * last change of its room; and writes the parts of the report both sections share.
 *
 * Settings: BENCH_LIVE_INTERVAL_MS (2000, the gateways' LIVE_POLL_INTERVAL_MS),
 * BENCH_LIVE_SECONDS (60, the measured window), and BENCH_LATENCY_MS (20) as for the other
 * scenarios; each section sets its own number of scopes.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createClient as createSseClient, type Client as SseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { encodeGlobalId } from '../src/model/globalId.js';
import type { ProviderKey } from '../src/model/provider.js';
import type { ChangeTarget } from '../src/simulators/activity.js';
import { percentile } from './load.js';
import { Deliveries, RoomLog, instanceOf, lostFinalStates, metricTotal, type Watcher } from './liveMeasure.js';
import type { VendorsCommand, VendorsData, VendorsMessage } from './liveVendors.js';
import { cpuSecondsOf, nodeFlags, startGateway, type Service } from './process.js';

const intervalMs = Number(process.env.BENCH_LIVE_INTERVAL_MS ?? 2000);
const seconds = Number(process.env.BENCH_LIVE_SECONDS ?? 60);
const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 20);

/**
 * The 50 rooms every scope watches: each readable demo room of IW-ERP (4) and Popsell brand 1
 * (12), and 34 rooms of Messenger's large organization.
 */
const ROOMS: ChangeTarget[] = [
  ...[1, 2, 3, 4].map((chatroom) => ({ provider: 'IWERP' as const, chatroom })),
  ...Array.from({ length: 12 }, (_, i) => ({ provider: 'POPSELL' as const, brand: 1, chatroom: i + 1 })),
  ...Array.from({ length: 34 }, (_, i) => ({ provider: 'MESSENGER' as const, chatroom: 100 + i })),
];
/** Each room changes once per this period, the rooms' changes spread evenly over it: every change is polled before the next. */
const changePeriodMs = 2.5 * intervalMs;
const TRANSPORTS = ['sse', 'ws'] as const;
/** The gateway's default LIVE_MAX_POLLS_PER_SECOND, per vendor. */
const DEFAULT_BUDGET = 1000;
/** After the last change, how many intervals the subscribers have to see it. */
const DRAIN_INTERVALS = 5;
/** How long a group of 10 scopes (1,000 subscriptions) may take to have its first events before the next group starts anyway. */
const GROUP_WAIT_MS = 20_000;

const SUBSCRIPTION = 'subscription Watch($id: ID!) { chatroomChanged(id: $id) { changes chatroom { name lastMessageAt } } }';

const globalId = (room: ChangeTarget) =>
  encodeGlobalId('Chatroom', room.provider, room.provider === 'POPSELL' ? { chatroom: String(room.chatroom), brand: String(room.brand) } : { chatroom: String(room.chatroom) });

/** Each scope's own credential for every vendor: its polls may serve no other scope. */
const credentials = (scope: number) => ({
  'x-session-token': `bench-live-${scope}`,
  authorization: `Bearer bench-live-${scope}`,
  'x-popsell-brand': '1',
  'api-token': `bench-live-${scope}`,
});

/** The event clock: epoch milliseconds, read alike by the vendors' process (changes) and this one (receipts). */
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Open files this process may have (each SSE subscription is one connection). */
function openFileLimit() {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  return Number(line?.split(/\s+/)[3] ?? Number.POSITIVE_INFINITY);
}

interface ChatroomEvent {
  data?: { chatroomChanged?: { changes: string[]; chatroom: { name: string | null; lastMessageAt: string | null } | null } } | null;
  errors?: unknown;
}

/** How one run is set up. */
export interface LiveOptions {
  /** Credential scopes, each watching every room once over SSE and once over WebSocket. */
  scopes: number;
  /** Gateway processes; the clients' connections are spread over them by instanceOf. */
  instances: number;
  /** Added to every gateway's environment (REDIS_URL for a cluster); none by default. */
  env?: Record<string, string>;
  /** Another process whose CPU over the measured window is reported (the cluster's redis-server); none by default. */
  sidecar?: ChildProcess;
}

/** One gateway's figures. */
export interface InstanceFigures {
  /** Connections the clients made to it: SSE subscriptions, WebSockets. */
  sse: number;
  ws: number;
  /** Resident memory once subscribed, at most while changing, and the process's peak, in MiB. */
  rssSubscribed: number;
  rssMax: number;
  peakRss: number;
  /** CPU over the measured window, in cores. */
  cpu: number;
  /** Polls it made per second over the window (its gateway_live_polls_total). */
  polls: number;
  /** Pairs its subscribers watch at the end of the window (its gateway_live_watched_pairs). */
  watchedPairs: number;
  /** Of its subscriptions: those without a first event after the set-up, those that lost their final state. */
  unstarted: number;
  lost: number;
  /** What it logged at warn level or above over the run. */
  warnings: string[];
}

/** What one run measured. */
export interface LiveRun {
  scopes: number;
  instances: number;
  subscribers: number;
  /** The busiest vendor's watched pairs per scope, and the poll budget set from them. */
  busiest: number;
  budget: number;
  /** The gateways' environment, as the report shows it. */
  gatewayEnv: Record<string, string>;
  setupSeconds: number;
  /** Subscriptions that never had a first event. */
  unstarted: number;
  reconnects: { sse: number; ws: number };
  windowSeconds: number;
  vendorRows: { key: ProviderKey; pairs: number; polls: number; minimum: number }[];
  /** Vendor polls per second over the window, all vendors, and the minimum: watched pairs ÷ interval. */
  polls: number;
  minimum: number;
  /** Delivery latencies in ms, sorted: all, and by transport. */
  latencies: { all: number[]; sse: number[]; ws: number[] };
  lost: number;
  ended: number;
  endReasons: string;
  drainMs: number;
  unknown: number;
  repeated: number;
  madeChanges: number;
  /** Cores used over the window by the clients' process and the vendors'; the clients' event loop. */
  clientsCpu: number;
  vendorsCpu: number;
  mainThreadBusy: number;
  loopDelayP99Ms: number;
  loadAtEnd: number;
  gateways: InstanceFigures[];
  /** The sidecar's CPU over the window, in cores. */
  sidecarCpu?: number;
}

const metricsOf = async (gateway: Service) => (await fetch(new URL('/metrics', gateway.url))).text();

/** Starts the vendors' process and `instances` gateways, subscribes, runs the changes, measures. */
export async function runLive({ scopes, instances, env = {}, sidecar }: LiveOptions): Promise<LiveRun> {
  const subscribers = scopes * ROOMS.length * TRANSPORTS.length;
  const needed = scopes * ROOMS.length + scopes + 512;
  const busiest = Math.max(...(['IWERP', 'POPSELL', 'MESSENGER'] as const).map((p) => ROOMS.filter((r) => r.provider === p).length));
  const budget = Math.ceil((1.1 * scopes * busiest * 1000) / intervalMs);
  if (openFileLimit() < needed) {
    throw new Error(`The live scenario holds ${needed} connections; this shell allows ${openFileLimit()} open files. Raise it (ulimit -n ${needed}) and run again.`);
  }
  const vendors = fork(fileURLToPath(new URL('./liveVendors.ts', import.meta.url)), [JSON.stringify({ latencyMs, rooms: ROOMS, changePeriodMs } satisfies VendorsData)], {
    execArgv: ['--import', 'tsx'],
  });
  const logs = ROOMS.map(() => new RoomLog());
  let ran: ((message: Extract<VendorsMessage, { kind: 'ran' }>) => void) | undefined;
  const ready = new Promise<Record<ProviderKey, string>>((resolve, reject) => {
    vendors.once('error', reject);
    vendors.once('exit', (code) => reject(new Error(`The vendors' process exited with ${code}`)));
    vendors.on('message', (message: VendorsMessage) => {
      if (message.kind === 'ready') resolve(message.baseUrls);
      else if (message.kind === 'change') logs[message.room]!.record(message.change);
      else ran?.(message);
    });
  });
  const command = (message: VendorsCommand) => vendors.send(message);
  const gatewayEnv = {
    LIVE_POLL_INTERVAL_MS: String(intervalMs),
    // The per-vendor poll budget (default 1000/s) would stretch Messenger's intervals
    // (3,400 pairs / 2 s = 1,700 polls/s): raised to what the busiest vendor needs, and a tenth.
    LIVE_MAX_POLLS_PER_SECOND: String(budget),
    LIVE_MAX_SUBSCRIPTIONS: String(subscribers),
    ...env,
    // Settings to try against the defaults (e.g. LIVE_POLL_WORKER=false); the report's command line shows them.
    ...Object.fromEntries((process.env.BENCH_GATEWAY_ENV ?? '').split(' ').filter(Boolean).map((pair) => pair.split('=', 2) as [string, string])),
  };
  const gateways: Service[] = [];
  const connections = Array.from({ length: instances }, () => ({ sse: 0, ws: 0 }));
  const deliveries = new Deliveries();
  const watchers: Watcher[] = [];
  /** The watchers of each instance's connections. */
  const byInstance = Array.from({ length: instances }, (): Watcher[] => []);
  const disposers: (() => void)[] = [];
  const closers: (() => void)[] = [];
  const reconnects = { sse: 0, ws: 0 };

  /** Subscribes the scope's clients (a WebSocket, SSE connections), each to every room; resolves on all first events. */
  function subscribeScope(scope: number) {
    const headers = credentials(scope);
    // The clients' own defaults, as a frontend has them: a broken connection is retried (5 times,
    // randomized back-off) and its subscriptions made again, each starting with an INITIAL event.
    const sseClients = new Map<number, SseClient>();
    const sseTo = (instance: number) => {
      let client = sseClients.get(instance);
      if (!client) {
        client = createSseClient({ url: gateways[instance]!.url.href, singleConnection: false, headers, on: { connected: (again) => void (again && (reconnects.sse += 1)) } });
        sseClients.set(instance, client);
        closers.push(() => client!.dispose());
      }
      return client;
    };
    const socketAt = instanceOf(scope, 0, 'ws', instances);
    const ws = createWsClient({
      url: gateways[socketAt]!.url.href.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: headers,
      on: { connected: (_socket, _payload, again) => void (again && (reconnects.ws += 1)) },
    });
    connections[socketAt]!.ws += 1;
    closers.push(() => void ws.dispose());
    const firsts: Promise<void>[] = [];
    for (const transport of TRANSPORTS) {
      ROOMS.forEach((room, index) => {
        const watcher: Watcher = { transport, room: logs[index]!, last: undefined, events: 0 };
        watchers.push(watcher);
        const instance = instanceOf(scope, index, transport, instances);
        byInstance[instance]!.push(watcher);
        firsts.push(
          new Promise((first) => {
            const field = room.provider === 'POPSELL' ? 'lastMessageAt' : 'name';
            const sink = {
              next: (event: ChatroomEvent) => {
                const at = now();
                const chatroom = event.data?.chatroomChanged?.chatroom;
                if (!chatroom) {
                  watcher.ended = `event without chatroom: ${JSON.stringify(event).slice(0, 300)}`;
                  first();
                  return;
                }
                deliveries.receive(watcher, chatroom[field], at, event.data!.chatroomChanged!.changes.includes('INITIAL'));
                first();
              },
              error: (error: unknown) => {
                // graphql-ws reports a closed socket as its close event, graphql-sse a failed request as an Error.
                const { message, code, reason } = error as { message?: string; code?: number; reason?: string };
                watcher.ended = `${transport} error: ${message ?? `socket closed ${code} ${reason}`}`;
                first();
              },
              complete: () => {
                watcher.ended ??= 'completed';
                first();
              },
            };
            const request = { query: SUBSCRIPTION, variables: { id: globalId(room) } };
            if (transport === 'ws') disposers.push(ws.subscribe(request, sink));
            else {
              connections[instance]!.sse += 1;
              disposers.push(sseTo(instance).subscribe(request, sink));
            }
          }),
        );
      });
    }
    return Promise.all(firsts);
  }

  try {
    const urls = await ready;
    const baseUrls = { iwerp: new URL(urls.iwerp), popsell: new URL(urls.popsell), messenger: new URL(urls.messenger) };
    // Started together, so that one failing to start leaves none behind unstopped.
    const started = await Promise.allSettled(Array.from({ length: instances }, () => startGateway(baseUrls, gatewayEnv)));
    for (const result of started) if (result.status === 'fulfilled') gateways.push(result.value);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    // Subscribe in groups of scopes, each group once the previous has its first events (or
    // after GROUP_WAIT_MS): a client fleet that connects over a minute or two, not in one instant.
    // A subscription still waiting stays open; the report says how many never had a first event.
    const setupStart = now();
    const groups: Promise<unknown>[] = [];
    for (let scope = 0; scope < scopes; scope += 10) {
      groups.push(Promise.all(Array.from({ length: Math.min(10, scopes - scope) }, (_, i) => subscribeScope(scope + i))));
      await Promise.race([groups.at(-1), sleep(GROUP_WAIT_MS)]);
      console.log(`live: ${watchers.length} subscribed, ${((now() - setupStart) / 1000).toFixed(1)} s`);
    }
    await Promise.race([Promise.all(groups), sleep(GROUP_WAIT_MS)]);
    const setupSeconds = (now() - setupStart) / 1000;
    const unstartedOf = (list: Watcher[]) => list.filter((w) => w.events === 0).length;
    const unstarted = unstartedOf(watchers);
    const unstartedByInstance = byInstance.map(unstartedOf);
    if (unstarted) {
      // What the gateways' vendor calls and polls came to, to tell a slow vendor from a stuck stream.
      const counts = await Promise.all(gateways.map(async (gateway) => (await metricsOf(gateway)).split('\n').filter((line) => /^gateway_(vendor_requests_total|live_polls_total)/.test(line)).join('\n')));
      console.error(`live: ${unstarted} subscriptions without a first event\n${counts.join('\n')}`);
    }
    const rssSubscribed = gateways.map((gateway) => gateway.rssMiB());
    console.log(`live: ${subscribers} subscribers in ${setupSeconds.toFixed(1)} s; gateway RSS ${rssSubscribed.map((rss) => rss.toFixed(0)).join(', ')} MiB`);
    // One interval for the polls that served the first events to settle into their rhythm.
    await sleep(intervalMs);

    // The measured window: steady changes, room after room, each room once per changePeriodMs.
    const pollsBefore = await Promise.all(gateways.map(async (gateway) => metricTotal(await metricsOf(gateway), 'gateway_live_polls_total')));
    const cpuBefore = gateways.map((gateway) => gateway.cpuSeconds());
    const sidecarBefore = sidecar && cpuSecondsOf(sidecar);
    const benchCpuBefore = process.cpuUsage();
    const mainThreadBefore = performance.eventLoopUtilization();
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const rssMax = [...rssSubscribed];
    const rssTimer = setInterval(() => gateways.forEach((gateway, i) => (rssMax[i] = Math.max(rssMax[i]!, gateway.rssMiB()))), 1000);
    const window = new Promise<Extract<VendorsMessage, { kind: 'ran' }>>((resolve) => (ran = resolve));
    command({ kind: 'run', seconds });
    const { seconds: windowSeconds, polls: windowPolls, cpuSeconds: vendorsCpu } = await window;
    const gatewayCpu = gateways.map((gateway, i) => (gateway.cpuSeconds() - cpuBefore[i]!) / windowSeconds);
    const sidecarCpu = sidecar && sidecarBefore !== undefined ? (cpuSecondsOf(sidecar) - sidecarBefore) / windowSeconds : undefined;
    const benchCpu = process.cpuUsage(benchCpuBefore);
    const mainThreadBusy = performance.eventLoopUtilization(mainThreadBefore).utilization;
    const loadAtEnd = loadavg()[0]!;
    loopDelay.disable();
    clearInterval(rssTimer);
    const metricsAfter = await Promise.all(gateways.map(metricsOf));
    // The last changes reach every subscriber within an interval and its delivery; a gateway
    // behind its polls gets a few more intervals before what it did not deliver counts as lost.
    const drainStart = now();
    while (lostFinalStates(watchers) > 0 && now() - drainStart < DRAIN_INTERVALS * intervalMs) await sleep(100);
    const drainMs = now() - drainStart;

    const lost = lostFinalStates(watchers);
    deliveries.settle();
    const pairsOf = (provider: ChangeTarget['provider']) => scopes * ROOMS.filter((r) => r.provider === provider).length;
    const vendorRows = (['iwerp', 'popsell', 'messenger'] as const).map((key) => {
      const pairs = pairsOf(key.toUpperCase() as ChangeTarget['provider']);
      return { key, pairs, polls: windowPolls[key] / windowSeconds, minimum: pairs / (intervalMs / 1000) };
    });
    const sorted = (latencies: number[] = []) => [...latencies].sort((a, b) => a - b);
    const run: LiveRun = {
      scopes,
      instances,
      subscribers,
      busiest,
      budget,
      gatewayEnv,
      setupSeconds,
      unstarted,
      reconnects,
      windowSeconds,
      vendorRows,
      polls: vendorRows.reduce((sum, r) => sum + r.polls, 0),
      minimum: (scopes * ROOMS.length) / (intervalMs / 1000),
      latencies: { all: sorted(Object.values(deliveries.latencies).flat()), sse: sorted(deliveries.latencies.sse), ws: sorted(deliveries.latencies.ws) },
      lost,
      ended: watchers.filter((w) => w.ended).length,
      endReasons: [...new Set(watchers.flatMap((w) => (w.ended ? [w.ended] : [])))].slice(0, 3).join('; '),
      drainMs,
      unknown: deliveries.unknown,
      repeated: deliveries.repeated,
      madeChanges: logs.reduce((sum, log) => sum + (log.last?.seq ?? 0), 0),
      clientsCpu: (benchCpu.user + benchCpu.system) / 1e6 / windowSeconds,
      vendorsCpu: vendorsCpu / windowSeconds,
      mainThreadBusy,
      loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
      loadAtEnd,
      gateways: gateways.map((gateway, i) => ({
        ...connections[i]!,
        rssSubscribed: rssSubscribed[i]!,
        rssMax: rssMax[i]!,
        peakRss: gateway.peakRssMiB(),
        cpu: gatewayCpu[i]!,
        polls: (metricTotal(metricsAfter[i]!, 'gateway_live_polls_total') - pollsBefore[i]!) / windowSeconds,
        watchedPairs: metricTotal(metricsAfter[i]!, 'gateway_live_watched_pairs'),
        unstarted: unstartedByInstance[i]!,
        lost: lostFinalStates(byInstance[i]!),
        warnings: gateway.warnings(),
      })),
      ...(sidecarCpu === undefined ? {} : { sidecarCpu }),
    };
    const { all } = run.latencies;
    console.log(
      `live: polls ${run.polls.toFixed(0)}/s (minimum ${run.minimum.toFixed(0)}/s), p50 ${percentile(all, 50).toFixed(0)} ms, p99 ${percentile(all, 99).toFixed(0)} ms, RSS max ${rssMax.map((rss) => rss.toFixed(0)).join(', ')} MiB, CPU ${gatewayCpu.map((cpu) => (cpu * 100).toFixed(0)).join(', ')} %${sidecarCpu === undefined ? '' : `, sidecar CPU ${(sidecarCpu * 100).toFixed(0)} %`}, lost ${lost}`,
    );
    return run;
  } finally {
    for (const dispose of disposers) dispose();
    for (const close of closers) close();
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    command({ kind: 'close' });
    await once(vendors, 'exit');
  }
}

export const met = (ok: boolean) => (ok ? 'met' : 'not met');

/** The report's first bullet: the settings (`scopesVariable` holds the run's scopes) and how `gateways` (its subject) are started. */
export const commandBullet = (run: LiveRun, scopesVariable: string, gateways: string) =>
  `- Command: \`${scopesVariable}=${run.scopes} BENCH_LIVE_INTERVAL_MS=${intervalMs} BENCH_LIVE_SECONDS=${seconds} BENCH_LATENCY_MS=${latencyMs}\`; ${gateways} as \`NODE_ENV=production ${Object.entries(run.gatewayEnv).map(([k, v]) => `${k}=${v}`).join(' ')} node ${nodeFlags.join(' ')} dist/server.js\` against the simulators, answering after ${latencyMs} ms.`;

/** The report's bullets on the budget, the subscribers, the changes and the load generator. */
export function runBullets(run: LiveRun) {
  const { scopes, busiest, budget, subscribers, unstarted } = run;
  const cluster = run.instances > 1 ? `, for the ${run.instances} instances together (each polls with its share)` : '';
  return `- Poll budget: \`LIVE_MAX_POLLS_PER_SECOND=${budget}\` per vendor${cluster}, 1.1 × what the busiest vendor (${scopes * busiest} watched pairs) needs at this interval, so that it does not stretch the intervals${(scopes * busiest * 1000) / intervalMs > DEFAULT_BUDGET ? `: at the default ${DEFAULT_BUDGET}/s, those pairs would be polled every ${(((scopes * busiest) / DEFAULT_BUDGET) * 1000).toFixed(0)} ms, and the minimum below would be the budget` : ` (the default, ${DEFAULT_BUDGET}/s, would not either)`}.
- Subscribers: ${scopes} credential scopes (each its own IW-ERP session, Popsell token and Messenger API token) × ${ROOMS.length} rooms (IW-ERP 1–4, Popsell brand 1's 1–12, Messenger 100–133) = ${(scopes * ROOMS.length).toLocaleString('en')} watched pairs, each watched twice with \`chatroomChanged\`: once over SSE (the \`graphql-sse\` client, distinct connections: one HTTP connection per subscription, ${(scopes * ROOMS.length).toLocaleString('en')} in all) and once over WebSocket (the \`graphql-ws\` client: one socket per scope carrying its ${ROOMS.length} subscriptions, as one browser tab would, ${scopes} sockets). ${unstarted ? `${unstarted} of ${subscribers.toLocaleString('en')} had no first event` : `All ${subscribers.toLocaleString('en')} had their first event`} ${run.setupSeconds.toFixed(1)} s after the first subscribed (in groups of 10 scopes). The clients' own retries reconnected ${run.reconnects.sse} SSE subscriptions and ${run.reconnects.ws} WebSockets over the run.
- Changes: for ${run.windowSeconds.toFixed(0)} s the simulators changed one room after another, each room every ${changePeriodMs} ms (${((ROOMS.length * 1000) / changePeriodMs).toFixed(1)} changes/s, ${run.madeChanges} in all): IW-ERP and Messenger rooms renamed, Popsell rooms' last-message time moved. Latency is from the change in the simulator to the event's arrival at the client (both read the same epoch clock of this machine); a change polled before the next, so each delay is the wait for the next poll plus the vendor call, the diff and the delivery.
- Load generator: the clients' process used ${(run.clientsCpu * 100).toFixed(0)} % of a core, the vendors' (the simulators and their changes) ${(run.vendorsCpu * 100).toFixed(0)} %; the clients' event loop was busy ${(run.mainThreadBusy * 100).toFixed(0)} % of the time and its delay p99 was ${run.loopDelayP99Ms.toFixed(0)} ms, which the latencies below include. The machine's load average (1 min) at the end of the window was ${run.loadAtEnd.toFixed(1)} on ${cpus().length} cores.`;
}

/** The targets table's rows on polls, latency (p99 within the interval and `allowanceMs`) and lost final states. */
export function targetRows(run: LiveRun, allowanceMs: number) {
  const { polls, minimum } = run;
  const { all } = run.latencies;
  const p99 = percentile(all, 99);
  return {
    // Fewer polls than the minimum is no saving: the pairs were polled less often than every interval.
    polls: `| vendor polls ≤ 1.05 × the minimum (watched pairs ÷ interval = ${minimum.toFixed(0)}/s), and not behind it (≥ 0.95 ×) | ${polls.toFixed(0)}/s = ${(polls / minimum).toFixed(3)} ×${polls < 0.95 * minimum ? ': behind, pairs were polled less often than every interval' : ''} | ${met(polls <= 1.05 * minimum && polls >= 0.95 * minimum)} |`,
    latency: `| delivery latency p99 ≤ interval + ${allowanceMs} ms = ${intervalMs + allowanceMs} ms | p50 ${percentile(all, 50).toFixed(0)} ms, p99 ${p99.toFixed(0)} ms | ${met(all.length > 0 && p99 <= intervalMs + allowanceMs)} |`,
    lost: `| zero lost final states (each subscriber's last event shows its room's last change, ${DRAIN_INTERVALS} intervals after it at most) | ${run.lost} lost of ${run.subscribers.toLocaleString('en')}${run.ended ? `, ${run.ended} streams ended early (${run.endReasons})` : ''} (${run.lost ? 'checked' : 'all there'} ${run.drainMs.toFixed(0)} ms after the window); ${run.unknown} events showing no change made, ${run.repeated} repeated | ${met(run.lost === 0 && run.unknown === 0 && run.repeated === 0)} |`,
  };
}

/** The polls by vendor and the latencies by transport. */
export function runTables(run: LiveRun) {
  const latencyRow = (name: string, sorted: number[]) => `| ${name} | ${sorted.length} | ${percentile(sorted, 50).toFixed(0)} | ${percentile(sorted, 99).toFixed(0)} | ${(sorted.at(-1) ?? 0).toFixed(0)} |`;
  return `| vendor | watched pairs | polls/s | minimum/s | × minimum |
|---|---|---|---|---|
${run.vendorRows.map((r) => `| ${r.key} | ${r.pairs} | ${r.polls.toFixed(1)} | ${r.minimum.toFixed(1)} | ${(r.polls / r.minimum).toFixed(3)} |`).join('\n')}

| delivery latency | events | p50 ms | p99 ms | max ms |
|---|---|---|---|---|
${latencyRow('all', run.latencies.all)}
${latencyRow('SSE (graphql-sse, distinct connections)', run.latencies.sse)}
${latencyRow('WebSocket (graphql-ws)', run.latencies.ws)}`;
}
