import type { ProviderKey } from '../src/model/provider.js';
import type { Service } from './process.js';

/** Hive Gateway over a Mesh Compose supergraph of our vendor documents (installed on first use). */
export async function startPeer(_baseUrls: Record<ProviderKey, URL>): Promise<Service> {
  throw new Error('not set up yet');
}
