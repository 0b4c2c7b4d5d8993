/**
 * The live scenario's vendors, in a process of their own: the simulators and the changes made to
 * them. Thousands of client connections keep the benchmark's own process busy; in it, the vendors
 * would answer the gateway's polls late, and the changes would be made late, whenever the
 * clients' work let them. The process is told to run the changes for a while and reports each
 * one as it is made (its time is on the same epoch clock as the clients' receipts). Started by
 * bench/live.ts with its settings (VendorsData) as JSON in argv, it speaks over the IPC channel.
 */
import { roomChanger, type ChangeTarget, type MadeChange } from '../src/simulators/activity.js';
import { startSimulators } from '../src/simulators/index.js';
import type { ProviderKey } from '../src/model/provider.js';

export interface VendorsData {
  latencyMs: number;
  rooms: ChangeTarget[];
  /** Each room changes once per this period, the rooms' changes spread evenly over it. */
  changePeriodMs: number;
}

/** What the thread says: its vendors' URLs once they listen, each change, the end of a run. */
export type VendorsMessage =
  | { kind: 'ready'; baseUrls: Record<ProviderKey, string> }
  | { kind: 'change'; room: number; change: MadeChange }
  | { kind: 'ran'; seconds: number; polls: Record<ProviderKey, number>; cpuSeconds: number };

/** What it is told: change the rooms for `seconds`, or close. */
export type VendorsCommand = { kind: 'run'; seconds: number } | { kind: 'close' };

const { latencyMs, rooms, changePeriodMs } = JSON.parse(process.argv[2]!) as VendorsData;
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const post = (message: VendorsMessage) => process.send!(message);

const simulators = await startSimulators({ latencyMs });
const received = () => ({ iwerp: simulators.iwerp.received, popsell: simulators.popsell.received, messenger: simulators.messenger.received });
const changers = rooms.map((room) => roomChanger(simulators, room, now));

async function run(seconds: number) {
  const before = received();
  const cpu = process.cpuUsage();
  const start = now();
  let changes = 0;
  while (now() - start < seconds * 1000) {
    const room = changes % rooms.length;
    post({ kind: 'change', room, change: changers[room]!() });
    changes += 1;
    await sleep(Math.max(0, start + (changes * changePeriodMs) / rooms.length - now()));
  }
  const after = received();
  const used = process.cpuUsage(cpu);
  post({
    kind: 'ran',
    seconds: (now() - start) / 1000,
    polls: { iwerp: after.iwerp - before.iwerp, popsell: after.popsell - before.popsell, messenger: after.messenger - before.messenger },
    cpuSeconds: (used.user + used.system) / 1e6,
  });
}

// Whether the benchmark closed it or died, the process ends with its channel.
process.once('disconnect', () => process.exit(0));
process.on('message', (command: VendorsCommand) => {
  if (command.kind === 'run') void run(command.seconds);
  else void simulators.close().then(() => process.disconnect());
});
post({ kind: 'ready', baseUrls: { iwerp: simulators.iwerp.baseUrl.href, popsell: simulators.popsell.baseUrl.href, messenger: simulators.messenger.baseUrl.href } });
