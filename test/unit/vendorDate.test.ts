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
    ['2023-10-06T00:30:00+01:00', '2023-10-05T23:30:00.000Z'],
    ['2023-12-31T23:30:00-01:30', '2024-01-01T01:00:00.000Z'],
    ['0050-03-01T00:00:00Z', '0050-03-01T00:00:00.000Z'],
    ['2023-10-06T13:41:09.987654321Z', '2023-10-06T13:41:09.987Z'],
  ])('%s → %s', (input, expected) => {
    expect(iso(input)).toBe(expected);
  });

  it.each(['string', '', '2023-02-30T00:00:00Z', '2023-13-01T00:00:00Z', '2023-00-01T00:00:00Z', '2023-10-06T25:00:00Z', '2023-10-06T24:00:00Z', '2023-10-06T23:60:00Z', '2023-10-06T23:59:60Z', '2023-10-06T10:00:00+24:00', '2023-10-06', '2023-04-31 10:00:00'])(
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
