import type { ProviderKey } from '../model/provider.js';
import { iwerpSimulator } from './iwerp.js';
import { createMessengerSimulator, type MessengerState } from './messenger.js';
import { popsellSimulator } from './popsell.js';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from './server.js';

export type Simulators = Record<ProviderKey, RunningSimulator> & {
  /** The demo Messenger's state, which writes change. */
  messengerState: MessengerState;
  close(): Promise<void>;
};

/** Starts the three demo vendors on loopback ports of their own (demo mode, tests, bench). */
export async function startSimulators(options: Pick<SimulatorOptions, 'latencyMs' | 'record'> = {}): Promise<Simulators> {
  const messengerSimulator = createMessengerSimulator();
  const [iwerp, popsell, messenger] = await Promise.all([
    startSimulator(iwerpSimulator, options),
    startSimulator(popsellSimulator, { ...options, basePath: '/api/v2' }),
    startSimulator(messengerSimulator.handle, options),
  ]);
  return {
    iwerp,
    popsell,
    messenger,
    messengerState: messengerSimulator.state,
    close: async () => {
      await Promise.all([iwerp.close(), popsell.close(), messenger.close()]);
    },
  };
}
