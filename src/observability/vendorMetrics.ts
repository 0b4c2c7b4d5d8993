/**
 * What the vendor door reports to metrics, as plain types: the door (src/http/) and the metrics
 * registry both import them, and neither imports the other.
 */
import type { Provider } from '../model/provider.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

/** What the upstream layer reports about each vendor request. */
export interface VendorMetrics {
  /** A finished vendor request: its status, or the error code when no status came back. */
  observe(provider: Provider, method: string, route: string, outcome: string, seconds: number): void;
  retried(provider: Provider, method: string, route: string): void;
}
