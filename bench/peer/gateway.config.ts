/**
 * Hive Gateway config of the benchmark's peer (the supergraph file, host and port come from the
 * command line in bench/peer.ts). Without this file the gateway would load mesh.config.ts as its
 * config.
 *
 * In-flight deduplication: the one Hive Gateway turns on by default
 * (`deduplicateInflightRequests`) lives in the HTTP executor of GraphQL subgraphs; our subgraphs
 * are REST (OpenAPI) ones, whose transport never uses it, so it cannot act here. The gateway's
 * in-flight deduplication that does apply to them is the inbound one, off by default: identical
 * concurrent queries (same document, variables and headers, so never across credentials) share
 * one execution. It is on, so the peer is measured with deduplication as the benchmark says.
 */
import { defineConfig } from '@graphql-hive/gateway';

export const gatewayConfig = defineConfig({
  inboundInflightRequestDeduplication: true,
});
