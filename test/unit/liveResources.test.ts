import { describe, expect, it } from 'vitest';
import type { Adapters } from '../../src/context.js';
import type { LiveResource } from '../../src/live/registry.js';
import { chatroomListResource, chatroomResource, messageResource, resourceOf } from '../../src/live/resources.js';
import type { Credentials } from '../../src/upstreams/credentials.js';

/** Adapters that record which read each resource makes, with what, instead of calling a vendor. */
function recordingAdapters() {
  const reads: unknown[][] = [];
  const record =
    (name: string) =>
    async (...args: unknown[]) => {
      // The signal and priority are the registry's; what identifies the read is the rest.
      reads.push([name, ...args.filter((arg) => !(typeof arg === 'object' && arg !== null && 'priority' in arg))]);
      return {};
    };
  const adapter = { getChatroom: record('getChatroom'), getMessage: record('getMessage') };
  const adapters = {
    IWERP: adapter,
    POPSELL: adapter,
    MESSENGER: { ...adapter, listAssignedChatrooms: record('listAssignedChatrooms'), listOrganizationChatrooms: record('listOrganizationChatrooms') },
  } as unknown as Adapters;
  return { adapters, reads };
}

const credentials = { iwerp: null, popsell: null, messenger: null } as Credentials;
const signal = new AbortController().signal;

describe('resourceOf: the resource a key names, for the poll worker', () => {
  const { adapters } = recordingAdapters();
  /** Every kind of resource, as the schema's resolvers make them. */
  const kinds: ((adapters: Adapters) => LiveResource<unknown>)[] = [
    (a) => chatroomResource(a.IWERP, { provider: 'IWERP', providerId: '42', brandId: null }) as LiveResource<unknown>,
    (a) => chatroomResource(a.POPSELL, { provider: 'POPSELL', providerId: 'room|with|bars', brandId: 7 }) as LiveResource<unknown>,
    (a) => messageResource(a.IWERP, 'IWERP', '9001') as LiveResource<unknown>,
    (a) => chatroomListResource(a.MESSENGER, null, 100) as LiveResource<unknown>,
    (a) => chatroomListResource(a.MESSENGER, 12, 100) as LiveResource<unknown>,
  ];

  it.each(kinds.map((make) => [make(adapters).key, make]))('%s: the same vendor, key and read as the resource it names', async (_, make) => {
    const original = recordingAdapters();
    const rebuilt = recordingAdapters();
    const resource = make(original.adapters);
    const again = resourceOf(rebuilt.adapters, resource.provider, resource.key, 100);
    expect([again.provider, again.key]).toEqual([resource.provider, resource.key]);
    await resource.fetch(credentials, signal);
    await again.fetch(credentials, signal);
    expect(rebuilt.reads).toEqual(original.reads);
    expect(rebuilt.reads).toHaveLength(1);
  });

  it('reads a chatroom by its vendor, brand and id, whatever the id holds', async () => {
    const { adapters: recorded, reads } = recordingAdapters();
    await resourceOf(recorded, 'POPSELL', 'chatroom|7|room|with|bars', 100).fetch(credentials, signal);
    expect(reads).toEqual([['getChatroom', { provider: 'POPSELL', providerId: 'room|with|bars', brandId: 7 }, credentials]]);
  });

  it('refuses a key no resource makes', () => {
    for (const key of ['chatrooms|organization|x', 'chatrooms|assigned|1', 'room|1', '']) {
      expect(() => resourceOf(adapters, 'MESSENGER', key, 100)).toThrow('No live resource');
    }
    expect(() => resourceOf(adapters, 'IWERP', 'chatrooms|assigned', 100)).toThrow('No live resource');
  });
});
