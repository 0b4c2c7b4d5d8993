/**
 * Real traffic: every request from a different caller (hundreds of credentials), so nothing is
 * shared: no execution, no vendor read. Scenarios (a), (c) and (e) so loaded, against the gateway,
 * the peer and a bare yoga serving the same answers (bench/bareYoga.ts), each with the CPU time
 * its process spent per operation: the one figure a loaded, shared machine does not distort much.
 */
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { graphqlLoad, type LoadResult } from './load.js';
import { startService, type Service } from './process.js';
import { HEADERS, SCENARIOS, type Scenario } from './scenarios.js';

/** The distinct-caller scenarios: a letter of their own, and the identical-caller scenario they load. */
export const DISTINCT: { key: string; of: Scenario }[] = [
  { key: 'f', of: SCENARIOS.find((s) => s.key === 'a')! },
  { key: 'g', of: SCENARIOS.find((s) => s.key === 'c')! },
  { key: 'h', of: SCENARIOS.find((s) => s.key === 'e')! },
];

export interface Measured extends LoadResult {
  /** CPU seconds (user and system, every thread) the serving process spent per completed operation. */
  cpuPerOp: number;
}

/**
 * One distinct-caller run against one process: a warm-up of `seconds` at the same load, a pass of
 * 4 requests per connection that gives the warm pace, then as many requests as that pace answers
 * in `seconds` (at least two per connection). The pace pass and the run are each answered whole
 * before the CPU time is read, so the CPU counted is that of the operations counted: the warm-up
 * ends with its last requests cut off in flight, and a run cut at a fixed time would count work on
 * the requests still in flight, at 64 connections and 1 s latencies a large share. The warm-up is as
 * long as the run because distinct callers take paths identical ones never do (a context, loaders
 * and vendor reads per request): with only the 4 requests per connection, V8 was still compiling
 * them, and bare yoga measured 1.03 ms per operation cold against 0.33–0.45 ms warm, the gateway
 * 1.9 against 1.0–1.3, in one session.
 */
export async function measureDistinct(service: Service, query: string, connections: number, seconds: number, callers: number): Promise<Measured> {
  await graphqlLoad(service.url.href, query, HEADERS, connections, seconds, { callers });
  const pace = await graphqlLoad(service.url.href, query, HEADERS, connections, 0, { callers, amount: 4 * connections });
  const before = service.cpuSeconds();
  const amount = Math.max(2 * connections, Math.round(pace.throughput * seconds));
  const result = await graphqlLoad(service.url.href, query, HEADERS, connections, 0, { callers, amount });
  return { ...result, cpuPerOp: (service.cpuSeconds() - before) / result.operations };
}

/**
 * Starts the bare yoga with the gateway's own answers to the distinct-caller scenarios: each root
 * field of each query, keyed by its field name and its providerId (or organizationId) argument.
 */
export async function startBareYoga(gateway: URL, root: string): Promise<Service> {
  const answers: Record<string, Record<string, unknown>> = {};
  for (const { of } of DISTINCT) {
    const response = await fetch(gateway, { method: 'POST', headers: { 'content-type': 'application/json', ...HEADERS }, body: JSON.stringify({ query: of.query }) });
    const { data } = (await response.json()) as { data: Record<string, unknown> };
    const operation = parse(of.query).definitions[0] as OperationDefinitionNode;
    for (const selection of operation.selectionSet.selections) {
      if (selection.kind !== Kind.FIELD) continue;
      const argument = selection.arguments?.find((a) => a.name.value === 'providerId' || a.name.value === 'organizationId')?.value;
      if (argument?.kind !== Kind.STRING && argument?.kind !== Kind.INT) continue;
      (answers[selection.name.value] ??= {})[argument.value] = data[selection.alias?.value ?? selection.name.value];
    }
  }
  const file = join(tmpdir(), `bench-bare-answers-${process.pid}.json`);
  await writeFile(file, JSON.stringify(answers));
  return startService(process.execPath, ['--import', 'tsx', 'bench/bareYoga.ts'], {
    cwd: root,
    env: { NODE_ENV: 'production', BENCH_BARE_ANSWERS: file },
    ready: /Bare yoga on (http:\/\/[^\s"]+)/,
  });
}
