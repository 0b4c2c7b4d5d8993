import type { ProviderKey } from '../model/provider.js';
import { startActivity, type Activity, type SimulatorStates } from './activity.js';
import { createIwerpSimulator } from './iwerp.js';
import { createMessengerSimulator } from './messenger.js';
import { createPopsellSimulator } from './popsell.js';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from './server.js';

/** Each vendor's data (`*State`) changes with demo activity, the benchmark and (Messenger) writes. */
export type Simulators = Record<ProviderKey, RunningSimulator> &
  SimulatorStates & {
    /** Demo activity, when started (activityMs > 0). */
    activity: Activity | undefined;
    close(): Promise<void>;
  };

/** Options of startSimulators. */
export interface SimulatorsOptions extends Pick<SimulatorOptions, 'latencyMs' | 'record'> {
  /** Demo activity's interval in ms (DEMO_ACTIVITY_MS in demo mode); default 0, none. */
  activityMs?: number;
}

/** Starts the three demo vendors on loopback ports of their own (demo mode, tests, bench). */
export async function startSimulators(options: SimulatorsOptions = {}): Promise<Simulators> {
  const { activityMs = 0, ...serverOptions } = options;
  const iwerpSimulator = createIwerpSimulator();
  const popsellSimulator = createPopsellSimulator();
  const messengerSimulator = createMessengerSimulator();
  const [iwerp, popsell, messenger] = await Promise.all([
    startSimulator(iwerpSimulator.handle, serverOptions),
    startSimulator(popsellSimulator.handle, { ...serverOptions, basePath: '/api/v2' }),
    startSimulator(messengerSimulator.handle, serverOptions),
  ]);
  const states: SimulatorStates = { iwerpState: iwerpSimulator.state, popsellState: popsellSimulator.state, messengerState: messengerSimulator.state };
  const activity = activityMs > 0 ? startActivity(states, { intervalMs: activityMs }) : undefined;
  return {
    iwerp,
    popsell,
    messenger,
    ...states,
    activity,
    close: async () => {
      activity?.close();
      await Promise.all([iwerp.close(), popsell.close(), messenger.close()]);
    },
  };
}
