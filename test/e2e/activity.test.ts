import { describe, expect, it, vi } from 'vitest';
import { startSimulators, type Simulators } from '../../src/simulators/index.js';

/** A vendor read over HTTP, as the gateway makes it, with demo credentials. */
async function read(simulators: Simulators) {
  const get = async (base: URL, path: string, headers: Record<string, string>) =>
    (await (await fetch(`${base.href.replace(/\/$/, '')}${path}`, { headers })).json()) as Record<string, any>;
  const [iwerpRoom, iwerpMessage, popsellRoom, messengerList] = await Promise.all([
    get(simulators.iwerp.baseUrl, '/api/chat/chatroom/1', { 'x-session-token': 'demo' }),
    get(simulators.iwerp.baseUrl, '/api/chat/chatroom_message/1', { 'x-session-token': 'demo' }),
    get(simulators.popsell.baseUrl, '/chat/chatrooms/1', { authorization: 'Bearer demo', 'x-popsell-brand': '1' }),
    get(simulators.messenger.baseUrl, '/chatrooms?organization_id=1&all=true', { 'api-token': 'demo' }),
  ]);
  return { iwerpRoom, iwerpMessage, popsellRoom, messengerList };
}

describe('demo activity over HTTP', () => {
  it('with a short interval, the vendors answer changed data', async () => {
    const simulators = await startSimulators({ activityMs: 10 });
    try {
      await vi.waitFor(() => expect(simulators.activity!.rounds).toBeGreaterThanOrEqual(4), { timeout: 5000, interval: 10 });
      simulators.activity!.close();
      const after = await read(simulators);
      // The seed's timestamps are of 2023 and 2025; the changes' are of the last few seconds.
      const recent = (time: string) => Date.now() - Date.parse(time) < 60_000;
      expect(after.iwerpRoom.name).toMatch(/^Project Apollo \(\d+\)$/);
      expect(recent(after.iwerpRoom.updated)).toBe(true);
      // A message shows its chatroom as it is now.
      expect(after.iwerpMessage.chatroom.name).toBe(after.iwerpRoom.name);
      expect(after.iwerpMessage.reactions.length).toBeGreaterThan(2);
      expect(recent(after.popsellRoom.last_message_date)).toBe(true);
      expect(after.messengerList.entries.find((r: { id: number }) => r.id === 8).name).toMatch(/^Team 8 \(\d+\)$/);
    } finally {
      await simulators.close();
    }
  });

  it('with 0, nothing changes', async () => {
    const simulators = await startSimulators({ activityMs: 0 });
    try {
      expect(simulators.activity).toBeUndefined();
      const before = await read(simulators);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await read(simulators)).toEqual(before);
    } finally {
      await simulators.close();
    }
  });

  it('close stops it', async () => {
    const simulators = await startSimulators({ activityMs: 10 });
    await vi.waitFor(() => expect(simulators.activity!.rounds).toBeGreaterThan(0), { timeout: 5000, interval: 10 });
    await simulators.close();
    const rounds = simulators.activity!.rounds;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(simulators.activity!.rounds).toBe(rounds);
  });
});
