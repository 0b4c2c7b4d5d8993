import { describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/schema/types/ChatroomConnection.js';
import { errorCodes, useGateway } from '../helpers/gateway.js';

const gw = useGateway();

const CONNECTION = 'totalCount edges { cursor node { providerId } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }';
const page = async (args: string, variables: Record<string, unknown> = {}, organization = 'organizationId: 1, ') => {
  const types = { first: 'Int', after: 'String', last: 'Int', before: 'String' } as const;
  const declared = Object.entries(types).filter(([name]) => args.includes(`$${name}`)).map(([name, type]) => `$${name}: ${type}`);
  const res = await gw().query(`query${declared.length ? `(${declared.join(', ')})` : ''} {
    organizationChatrooms(${organization}${args}) { ${CONNECTION} } }`, variables);
  return { res, conn: res.data?.organizationChatrooms };
};
const ids = (conn: { edges: { node: { providerId: string } }[] }) => conn.edges.map((e) => Number(e.node.providerId));
const vendorPages = () => gw().vendorRequests('messenger').map((r) => `${r.query.get('limit')}@${r.query.get('offset')}`);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('organizationChatrooms backward (last/before)', () => {
  it('last alone is the end of the list: one page to learn the total, one for the tail', async () => {
    const { conn } = await page('last: 5');
    expect(ids(conn)).toEqual(range(32, 36));
    expect(conn.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect(vendorPages()).toEqual(['5@0', '5@31']);
  });

  it('last over the whole list needs one call', async () => {
    const { conn } = await page('last: 50');
    expect(ids(conn)).toEqual(range(1, 36));
    expect(conn.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
    expect(vendorPages()).toEqual(['50@0']);
  });

  it('walks back from the end to the start with before = startCursor, one call a page', async () => {
    const seen: number[][] = [];
    let { conn } = await page('last: $last', { last: 15 });
    seen.unshift(ids(conn));
    while (conn.pageInfo.hasPreviousPage) {
      ({ conn } = await page('last: $last, before: $before', { last: 15, before: conn.pageInfo.startCursor }));
      seen.unshift(ids(conn));
    }
    expect(seen.flat()).toEqual(range(1, 36));
    expect(vendorPages()).toEqual(['15@0', '15@21', '15@6', '6@0']);
  });

  it('shares its cursors with forward paging, both ways', async () => {
    const forward = (await page('first: 10, after: $after', { after: encodeCursor(9) })).conn;
    expect(ids(forward)).toEqual(range(11, 20));
    const back = (await page('last: 10, before: $before', { before: forward.pageInfo.startCursor })).conn;
    expect(ids(back)).toEqual(range(1, 10));
    expect(back.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const again = (await page('first: 10, after: $after', { after: back.pageInfo.endCursor })).conn;
    expect(again.edges).toEqual(forward.edges);
  });

  it('takes Relay variables: first and after explicitly null while paging back', async () => {
    const { res, conn } = await page('first: $first, after: $after, last: $last, before: $before', { first: null, after: null, last: 3, before: encodeCursor(10) });
    expect(res.errors).toBeUndefined();
    expect(ids(conn)).toEqual([8, 9, 10]);
    expect(vendorPages()).toEqual(['3@7']);
  });

  it('answers an empty page without a call before the first item', async () => {
    const { conn } = await page('last: 5, before: $before', { before: encodeCursor(0) });
    expect(conn.edges).toEqual([]);
    expect(conn.pageInfo).toMatchObject({ hasPreviousPage: false, startCursor: null });
    expect(gw().calls().messenger).toBe(0);
  });

  it('from a cursor past the end (taken when the list was longer) is the tail of the list', async () => {
    // A reviewer's finding: it answered no edges, with hasNextPage and hasPreviousPage both true.
    const { conn } = await page('last: 3, before: $before', { before: encodeCursor(50) });
    expect(ids(conn)).toEqual(range(34, 36));
    expect(conn.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect(vendorPages()).toEqual(['3@47', '3@33']);
  });

  it('from a cursor past the end of a list now empty is an empty page that says so', async () => {
    const { conn } = await page('last: 3, before: $before', { before: encodeCursor(50) }, 'organizationId: 999, ');
    expect(conn).toEqual({ totalCount: 0, edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null } });
  });

  it('splits a backward page over 50 into vendor pages, as forward', async () => {
    const { conn } = await page('last: 100', {}, 'organizationId: 3, ');
    expect(ids(conn)).toEqual(range(150, 249));
    expect(vendorPages().sort()).toEqual(['50@0', '50@100', '50@50']);
  });

  it("pages back through the caller's own chatrooms too", async () => {
    const res = await gw().query(`{ organizationChatrooms(last: 2) { ${CONNECTION} } }`, {}, { 'personal-access-token': 'demo-user' });
    expect(res.errors).toBeUndefined();
    const conn = res.data?.organizationChatrooms;
    expect(conn.edges).toHaveLength(2);
    expect(conn.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: conn.totalCount > 2 });
    expect(conn.pageInfo.endCursor).toBe(encodeCursor(conn.totalCount - 1));
  });

  it.each([
    ['first: 5, last: 5', {}],
    ['first: $first, last: 5', { first: 5 }],
    ['after: $after, last: 5', { after: encodeCursor(3) }],
    ['after: $after, before: $before', { after: encodeCursor(3), before: encodeCursor(9) }],
    ['first: 5, before: $before', { before: encodeCursor(9) }],
    ['last: 0', {}],
    ['last: 101', {}],
    ['last: 5, before: "junk"', {}],
    // An attacker's pass: an empty `after` was taken for none, where an empty `before` was refused.
    ['first: 5, after: ""', {}],
    ['after: $after', { after: '' }],
  ])('refuses %s with BAD_USER_INPUT and no call', async (args, variables) => {
    const { res } = await page(args, variables);
    expect(errorCodes(res)).toEqual({ organizationChatrooms: 'BAD_USER_INPUT' });
    expect(res.data).toEqual({ organizationChatrooms: null });
    expect(gw().calls().messenger).toBe(0);
  });
});

describe('organizationChatrooms is nullable, as the contract says', () => {
  it('fails alone: another field of the same query keeps its data', async () => {
    const res = await gw().query(`{ organizationChatrooms(organizationId: 1) { totalCount }
      chatroomByProviderId(provider: IWERP, providerId: "1") { name } }`, {}, { 'x-session-token': 'demo-session' });
    expect(errorCodes(res)).toEqual({ organizationChatrooms: 'UNAUTHENTICATED' });
    expect(res.data?.organizationChatrooms).toBeNull();
    expect(res.data?.chatroomByProviderId).not.toBeNull();
  });
});
