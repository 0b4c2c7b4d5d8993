import DataLoader from 'dataloader';
import { describe, expect, it, vi } from 'vitest';
import { createLoaders } from '../../src/loaders/createLoaders.js';
import type { ChatAdapter } from '../../src/upstreams/adapter.js';

vi.mock('dataloader', async (original) => {
  const Real = (await original<{ default: typeof DataLoader }>()).default;
  return { default: vi.fn(function (this: unknown, ...args: ConstructorParameters<typeof Real>) { return new Real(...args); }) };
});

describe('createLoaders', () => {
  it('makes its loaders at the first read, not before: a subscription or a request joining another execution never reads through them', async () => {
    vi.mocked(DataLoader).mockClear();
    const getChatroom = vi.fn(async () => ({ name: 'Room' }));
    const adapters = { IWERP: { getChatroom } } as unknown as Record<'IWERP' | 'POPSELL' | 'MESSENGER', ChatAdapter>;
    const loaders = createLoaders(adapters, { iwerp: { sessionToken: 's', buildId: undefined, packageId: undefined }, popsell: null, messenger: null });
    expect(DataLoader).not.toHaveBeenCalled();
    const ref = { provider: 'IWERP', providerId: '1', brandId: null } as const;
    expect(await loaders.chatroom.load(ref)).toEqual({ name: 'Room' });
    expect(await loaders.chatroom.load(ref)).toEqual({ name: 'Room' });
    expect(getChatroom).toHaveBeenCalledTimes(1);
    expect(DataLoader).toHaveBeenCalledTimes(2);
  });
});
