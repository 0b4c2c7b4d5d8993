import type { ProviderKey } from '../src/model/provider.js';
import type { Service } from './process.js';

/** The peer's operation for each scenario key: it speaks the vendors' own shapes. */
export const PEER_QUERIES: Record<string, string> = {};

/** Hive Gateway over a Mesh Compose supergraph of our vendor documents (installed on first use). */
export async function startPeer(_baseUrls: Record<ProviderKey, URL>): Promise<Service> {
  throw new Error('not set up yet');
}
