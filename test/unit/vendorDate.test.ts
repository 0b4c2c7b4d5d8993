import { describe, expect, it } from 'vitest';
import { parseVendorDate } from '../../src/upstreams/vendorDate.js';

const iso = (value: string) => parseVendorDate(value)?.toISOString() ?? null;

describe('parseVendorDate', () => {
  it.each([
    ['2025-05-04T09:42:00Z', '2025-05-04T09:42:00.000Z'],
    ['2023-10-06T13:41:09.123000Z', '2023-10-06T13:41:09.123Z'],
    ['2023-10-06T13:41:09.1Z', '2023-10-06T13:41:09.100Z'],
    ['2023-10-06 13:41:09.123', '2023-10-06T13:41:09.123Z'],
    ['2023-10-06T15:41:09+02:00', '2023-10-06T13:41:09.000Z'],
    ['2023-10-06T08:41:09-0500', '2023-10-06T13:41:09.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
  ])('%s → %s', (input, expected) => {
    expect(iso(input)).toBe(expected);
  });

  it.each(['string', '', '2023-02-30T00:00:00Z', '2023-13-01T00:00:00Z', '2023-10-06T25:00:00Z', '2023-10-06'])(
    'refuses %j',
    (input) => {
      expect(parseVendorDate(input)).toBeNull();
    },
  );

  it('passes null and undefined through', () => {
    expect(parseVendorDate(null)).toBeNull();
    expect(parseVendorDate(undefined)).toBeNull();
  });
});
