import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import { budgetShare, decodeEnvelope, encodeEnvelope } from '../../src/live/redisCoordinator.js';

describe('what travels through Redis', () => {
  it('a state comes back with its Dates as Dates, nested or not', () => {
    const observedAt = new Date('2026-11-30T10:00:00.123Z');
    const value = { name: 'Team 8', lastMessageAt: new Date('2026-11-29T08:00:00Z'), participants: [{ lastReadAt: null, joinedAt: new Date(0) }] };
    const decoded = decodeEnvelope(encodeEnvelope({ from: 'instance-1', snapshot: { kind: 'state', value, observedAt } }));
    expect(decoded).toEqual({ from: 'instance-1', snapshot: { kind: 'state', value, observedAt } });
  });

  it('a final error comes back as a GatewayError with its code, message and provider, and nothing else', () => {
    const error = new GatewayError('UNAUTHENTICATED', 'Messenger refused the credential.', { provider: 'MESSENGER', cause: new Error('vendor body') });
    const text = encodeEnvelope({ from: 'i', snapshot: { kind: 'failed', error, observedAt: new Date(0) } });
    expect(text).not.toContain('vendor body');
    const { snapshot } = decodeEnvelope(text);
    expect(snapshot.kind).toBe('failed');
    if (snapshot.kind !== 'failed') return;
    expect(snapshot.error).toBeInstanceOf(GatewayError);
    expect([snapshot.error.code, snapshot.error.message, snapshot.error.provider]).toEqual(['UNAUTHENTICATED', 'Messenger refused the credential.', 'MESSENGER']);
  });
});

describe('an instance’s share of a vendor’s budget', () => {
  it('is in proportion to the pairs it polls, so the shares add up to the budget', () => {
    const shares = [budgetShare(10, 30, 40, 3), budgetShare(10, 9, 40, 3), budgetShare(10, 1, 40, 3)];
    expect(shares).toEqual([7.5, 2.25, 0.25]);
    expect(shares.reduce((sum, share) => sum + share, 0)).toBe(10);
  });

  it('is an even split while it polls nothing (or the count is stale)', () => {
    expect(budgetShare(9, 0, 40, 3)).toBe(3);
    expect(budgetShare(9, 5, 0, 3)).toBe(3);
    expect(budgetShare(9, 0, 0, 0)).toBe(9);
  });
});
