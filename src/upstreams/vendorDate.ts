/**
 * Vendor date-times as they really arrive: RFC 3339 with `Z` or an offset, any number of
 * fractional digits (Popsell sends microseconds), and Popsell's `YYYY-MM-DD HH:MM:SS.mmm` with
 * neither `T` nor zone, read as UTC. The response validators accept exactly this pattern, so a
 * mapper never meets another.
 */
const VENDOR_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:?\d{2})?$/;

/**
 * Parses a vendor date-time to a Date (serialized as UTC `...Z`); null when absent or invalid.
 * Built from the parts, not by handing a rebuilt string to Date (about a fifth faster): every
 * vendor date passes here twice, in the response validator and in the mapper, which made date
 * parsing 10 % of the gateway's CPU in the benchmark's 20-message scenario.
 */
export function parseVendorDate(value: string | null | undefined): Date | null {
  if (value === null || value === undefined) return null;
  const m = VENDOR_DATE_TIME.exec(value);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return null;
  const millis = m[7] ? Number(m[7].padEnd(3, '0').slice(0, 3)) : 0;
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone && zone !== 'Z' && zone !== 'z') {
    const offsetHours = Number(zone.slice(1, 3));
    const offsetRest = Number(zone.slice(-2));
    if (offsetHours > 23 || offsetRest > 59) return null;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (offsetHours * 60 + offsetRest);
  }
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC, which would read years 0–99 as 1900–1999.
  date.setUTCFullYear(year, month - 1, day);
  // Date rolls 2023-02-30 over into March: a calendar day that does not round-trip is invalid.
  if (date.getUTCDate() !== day) return null;
  date.setUTCHours(hour, minute - offsetMinutes, second, millis);
  return date;
}

export const isVendorDateTime = (value: string) => parseVendorDate(value) !== null;
