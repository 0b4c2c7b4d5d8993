/** The two load generators: autocannon for GraphQL endpoints, a worker pool for direct REST. */
import autocannon from 'autocannon';
import { Agent, type Dispatcher } from 'undici';
import type { ProviderKey } from '../src/model/provider.js';
import { VENDOR_HEADERS, callerHeaders, type Scenario } from './scenarios.js';

export interface LoadResult {
  /** Completed operations per second. */
  throughput: number;
  p50: number;
  p99: number;
  operations: number;
  errors: number;
}

/**
 * Posts one GraphQL operation at `connections` concurrency for `seconds` (autocannon). A 200 whose
 * body holds GraphQL errors counts as an error too: a gateway failing fast is not a fast gateway.
 * Options: `callers`, each request comes from the next of that many callers in turn, each with
 * credentials of its own (callerHeaders), so nothing can be shared between them; `amount`, exactly
 * that many requests, all answered before it returns (then `seconds` is ignored).
 */
export async function graphqlLoad(
  url: string,
  query: string,
  headers: Record<string, string>,
  connections: number,
  seconds: number,
  { callers = 0, amount }: { callers?: number; amount?: number } = {},
): Promise<LoadResult> {
  let graphqlErrors = 0;
  let next = 0;
  const base = { 'content-type': 'application/json', ...headers };
  const result = await autocannon({
    url,
    method: 'POST',
    headers: base,
    body: JSON.stringify({ query }),
    connections,
    ...(amount ? { amount } : { duration: seconds }),
    ...(callers > 0 ? { requests: [{ setupRequest: (request) => ({ ...request, headers: { ...base, ...callerHeaders(next++ % callers) } }) }] } : {}),
    setupClient: (client) => {
      client.on('body', (body: Buffer) => {
        if (body.includes('"errors"')) graphqlErrors += 1;
      });
    },
  });
  return {
    throughput: amount ? result.requests.total / result.duration : result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    operations: result.requests.total,
    errors: result.errors + result.non2xx + result.timeouts + graphqlErrors,
  };
}

export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

/**
 * A hand-written client making the scenario's vendor calls directly: each round's calls in
 * parallel, rounds in order, bodies read and parsed, on keep-alive pools like the gateway's.
 */
export async function directLoad(scenario: Scenario, baseUrls: Record<ProviderKey, URL>, connections: number, seconds: number): Promise<LoadResult> {
  const agent = new Agent({ connections: 64, keepAliveTimeout: 10_000 });
  const latencies: number[] = [];
  let errors = 0;
  const call = async (vendor: ProviderKey, path: string) => {
    const base = baseUrls[vendor];
    const response: Dispatcher.ResponseData = await agent.request({
      origin: base.origin,
      path: `${base.pathname.replace(/\/$/, '')}${path}`,
      method: 'GET',
      headers: VENDOR_HEADERS[vendor],
    });
    const text = await response.body.text();
    if (response.statusCode !== 200) errors += 1;
    return JSON.parse(text) as unknown;
  };
  const end = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const started = performance.now();
      for (const round of scenario.rounds) await Promise.all(round.map((c) => call(c.vendor, c.path)));
      latencies.push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  await agent.close();
  latencies.sort((a, b) => a - b);
  return {
    throughput: latencies.length / seconds,
    p50: Math.round(percentile(latencies, 50)),
    p99: Math.round(percentile(latencies, 99)),
    operations: latencies.length,
    errors,
  };
}
