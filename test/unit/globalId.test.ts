import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import { decodeGlobalId, decodeIdOf, encodeGlobalId, globalIdOf } from '../../src/model/globalId.js';
import { decodeCursor, encodeCursor } from '../../src/schema/types/ChatroomConnection.js';
import { planPages } from '../../src/upstreams/messenger/index.js';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as GatewayError).extensions.code;
  }
  return undefined;
};

describe('global IDs', () => {
  it('round-trip with the provider, the brand and the parent', () => {
    const id = encodeGlobalId('Ambassador', 'POPSELL', { brand: '3', chatroom: '8', participant: '42' });
    expect(decodeGlobalId(id)).toEqual({ typename: 'Ambassador', provider: 'POPSELL', parts: { brand: '3', chatroom: '8', participant: '42' } });
  });

  it('survive identifiers holding the separator and any character', () => {
    const id = encodeGlobalId('Chatroom', 'IWERP', { chatroom: 'a:b/c?d%e ü' });
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeGlobalId(id).parts.chatroom).toBe('a:b/c?d%e ü');
  });

  it('are opaque: the same object gets the same id whichever way it was read', () => {
    const room = { provider: 'IWERP' as const, providerId: '1', brandId: null };
    expect(globalIdOf({ typename: 'Chatroom', ...room } as never)).toBe(encodeGlobalId('Chatroom', 'IWERP', { chatroom: '1' }));
  });

  it.each([
    ['not base64url', '%%%'],
    ['unknown type', Buffer.from('User:IWERP:1').toString('base64url')],
    ['unknown provider', Buffer.from('Chatroom:SLACK:1').toString('base64url')],
    ['wrong provider for the type', Buffer.from('Message:POPSELL:1').toString('base64url')],
    ['missing brand', Buffer.from('Chatroom:POPSELL:1').toString('base64url')],
    ['extra part', Buffer.from('Chatroom:IWERP:1:2').toString('base64url')],
    ['bad escape', Buffer.from('Chatroom:IWERP:%E0%A4%A').toString('base64url')],
    ['an empty brand', Buffer.from('Chatroom:POPSELL::1').toString('base64url')],
    ['a brand with a leading zero', Buffer.from('Chatroom:POPSELL:01:1').toString('base64url')],
    ['a Messenger room in hex', Buffer.from('Chatroom:MESSENGER:0x3').toString('base64url')],
    ['a Messenger user with an exponent', Buffer.from('MessengerUser:MESSENGER:1:1e3').toString('base64url')],
    ['a Popsell room beyond int32', Buffer.from('Chatroom:POPSELL:1:2147483648').toString('base64url')],
    ['an empty IW-ERP chatroom', Buffer.from('Chatroom:IWERP:').toString('base64url')],
    ['an IW-ERP identifier of 257 characters', Buffer.from(`Message:IWERP:${'a'.repeat(257)}`).toString('base64url')],
    // An attacker's pass: other spellings of an ID were taken for it, and a NUL byte reached a
    // vendor's path. Only the one the gateway issues is an ID.
    ['other trailing bits (…MR for …MQ)', `${encodeGlobalId('Chatroom', 'IWERP', { chatroom: '1' }).slice(0, -1)}R`],
    ['a trailing byte (a NUL)', `${encodeGlobalId('Chatroom', 'IWERP', { chatroom: '1' })}A`],
    ['padding', `${encodeGlobalId('Chatroom', 'IWERP', { chatroom: '1' })}==`],
    ['a part escaped another way (%31 for 1)', Buffer.from('Chatroom:IWERP:%31').toString('base64url')],
    ['bytes that are no UTF-8', Buffer.concat([Buffer.from('Chatroom:IWERP:'), Buffer.from([0xff])]).toString('base64url')],
  ])('refuses %s with BAD_USER_INPUT', (_, id) => {
    expect(codeOf(() => decodeGlobalId(id))).toBe('BAD_USER_INPUT');
  });

  it('accept canonical numbers up to each vendor\'s largest id, and IW-ERP strings up to 256 characters', () => {
    expect(decodeGlobalId(encodeGlobalId('Chatroom', 'POPSELL', { brand: '0', chatroom: '2147483647' })).parts).toEqual({ brand: '0', chatroom: '2147483647' });
    expect(decodeGlobalId(encodeGlobalId('Chatroom', 'MESSENGER', { chatroom: '9007199254740991' })).parts.chatroom).toBe('9007199254740991');
    expect(decodeGlobalId(encodeGlobalId('Message', 'IWERP', { message: 'ü'.repeat(256) })).parts.message).toHaveLength(256);
  });

  it('refuses an id of another type where one type is expected', () => {
    const message = encodeGlobalId('Message', 'IWERP', { message: '1' });
    expect(codeOf(() => decodeIdOf('Chatroom', message))).toBe('BAD_USER_INPUT');
  });
});

describe('connections over offset/limit', () => {
  it('split a page over 50 into vendor pages', () => {
    expect(planPages(0, 100)).toEqual([{ offset: 0, limit: 50 }, { offset: 50, limit: 50 }]);
    expect(planPages(10, 75)).toEqual([{ offset: 10, limit: 50 }, { offset: 60, limit: 25 }]);
    expect(planPages(0, 10)).toEqual([{ offset: 0, limit: 10 }]);
  });

  it('have opaque cursors; a forged one is BAD_USER_INPUT', () => {
    expect(decodeCursor(encodeCursor(37))).toBe(37);
    expect(codeOf(() => decodeCursor('bm9wZQ'))).toBe('BAD_USER_INPUT');
    // The same attacker's pass: `offset:01` read as 1.
    for (const forged of ['offset:01', 'offset:1\n']) expect(codeOf(() => decodeCursor(Buffer.from(forged).toString('base64url')))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => decodeCursor(`${encodeCursor(1).slice(0, -1)}R`))).toBe('BAD_USER_INPUT');
  });
});
