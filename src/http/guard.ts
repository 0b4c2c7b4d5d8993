import CircuitBreaker from 'opossum';
import PQueue from 'p-queue';
import type { UpstreamPolicy } from '../config.js';
import { GatewayError } from '../errors.js';
import type { Provider } from '../model/provider.js';
import type { BreakerState } from '../observability/vendorMetrics.js';
import { isVendorFault, toGatewayError } from './failures.js';
import type { Handler, Layer, VendorCall } from './layer.js';

/**
 * An error the vendor itself answered (a 3xx or 4xx: it is up): of the probe's errors, the only one
 * that closes the circuit (opossum counts a filtered error as a success, and the probe's success
 * closes it). The probe runs on without its callers: one that hung up on it closed the circuit of a
 * vendor still down (a reviewer's finding); counted as a failure instead, a client hanging up on its
 * reads took every probe and held a vendor that was back failing for all (the next reviewer).
 */
const answered = (error: unknown) => error instanceof GatewayError && typeof error.extensions.upstreamStatus === 'number';

/** p-queue runs higher numbers first: a query's own reads overtake queued polls. */
const PRIORITY = { query: 1, poll: 0 } as const;

/**
 * `task` in the queue, under the call's signal. Every call gives the queue its signal, even one that
 * starts at once: p-queue races the call against it, which holds the deadline wherever the layer
 * below is slow to notice. The race rejects for a call under way too, and first: a write's own
 * outcome says more (one the vendor answered 2xx was applied, a reviewer's pass), and it ends as
 * soon, the layer below honouring the same signal.
 */
function inQueue(queue: PQueue, call: VendorCall, task: () => Promise<unknown>): Promise<unknown> {
  const options = { priority: PRIORITY[call.priority ?? 'query'], ...(call.signal ? { signal: call.signal } : {}) };
  let underWay: Promise<unknown> | undefined;
  return queue.add(() => (underWay = task()), options).catch((error: unknown) => {
    if (underWay && call.method !== 'GET') return underWay;
    throw error;
  });
}

export interface Guard {
  layer: Layer;
  /** The circuit breaker's state, for readiness and metrics. */
  state(): BreakerState;
}

/**
 * Adds a bounded queue with two priority lanes in front of a concurrency cap (a slow vendor cannot
 * take every socket and all memory), then the circuit breaker, which fails this vendor's fields
 * fast while it is down and lets one probe through after breakerResetMs. Assumes the layer above
 * set the call's signal (waiting in the queue counts against it) and the layer below honours it.
 */
export function guard(
  provider: Provider,
  policy: Pick<UpstreamPolicy, 'concurrency' | 'maxQueue' | 'breakerResetMs' | 'breakerErrorPercent' | 'breakerVolume'>,
): Guard {
  const queue = new PQueue({ concurrency: policy.concurrency });
  const unavailable = (why: string) => new GatewayError('UPSTREAM_ERROR', `${provider} is ${why}.`, { provider, unsent: true });
  let breaker: CircuitBreaker<[VendorCall], unknown> | undefined;

  const layer: Layer = (next: Handler) => {
    const circuit = new CircuitBreaker(next, {
      timeout: false,
      resetTimeout: policy.breakerResetMs,
      errorThresholdPercentage: policy.breakerErrorPercent,
      volumeThreshold: policy.breakerVolume,
      rollingCountTimeout: 10_000,
      // Off: on each failure (and each second, for a snapshot nobody reads) opossum would gather
      // the latencies of every call in the window and sort them, for percentiles the vendor
      // histograms already give. With 20,000 calls in the window a failure cost 3.2 ms of CPU, with
      // 100,000 12.8 ms: the event loop saturated exactly when a vendor began to fail.
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      // opossum hands the filter the fired arguments too (its types say only the error).
      errorFilter: ((error: unknown, call: VendorCall) => (probes.has(call) ? answered(error) : !isVendorFault(error, call.signal))) as (error: unknown) => boolean,
    });
    breaker = circuit;
    const probes = new WeakSet<VendorCall>();
    const run = (call: VendorCall) => () => {
      // The one call a half-open circuit lets through: it hears the vendor out, its deadline
      // (withDeadline's, above) alone stopping it.
      if (circuit.halfOpen && circuit.pendingClose) {
        probes.add(call);
        if (call.deadline !== undefined) call.signal = AbortSignal.timeout(Math.max(0, call.deadline - Date.now()));
      }
      return circuit.fire(call);
    };
    return async (call) => {
      if (circuit.opened) throw unavailable('failing; its circuit is open');
      if (queue.pending >= policy.concurrency && queue.size >= policy.maxQueue) {
        throw unavailable('overloaded; too many requests are waiting');
      }
      try {
        return await inQueue(queue, call, run(call));
      } catch (error) {
        if ((error as { code?: string }).code === 'EOPENBREAKER') throw unavailable('failing; its circuit is open');
        throw toGatewayError(provider, error, call.signal);
      }
    };
  };
  const state = (): BreakerState => (breaker?.opened ? 'open' : breaker?.halfOpen ? 'half-open' : 'closed');
  return { layer, state };
}
