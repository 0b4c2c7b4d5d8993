/**
 * Vendor date-times as they really arrive: RFC 3339 with `Z` or an offset, any number of
 * fractional digits (Popsell sends microseconds), and Popsell's `YYYY-MM-DD HH:MM:SS.mmm` with
 * neither `T` nor zone, read as UTC. The response validators accept exactly this pattern, so a
 * mapper never meets another.
 */
const VENDOR_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:?\d{2})?$/;

/** Parses a vendor date-time to a Date (serialized as UTC `...Z`); null when absent or invalid. */
export function parseVendorDate(value: string | null | undefined): Date | null {
  if (value === null || value === undefined) return null;
  const m = VENDOR_DATE_TIME.exec(value);
  if (!m) return null;
  const [, year, month, day, hour, minute, second, fraction = '', zone = 'Z'] = m;
  const millis = fraction.padEnd(3, '0').slice(0, 3);
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  // Date would roll 2023-02-30 over into March: a calendar day that does not round-trip is invalid.
  const calendarDay = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (calendarDay.getUTCMonth() !== Number(month) - 1 || calendarDay.getUTCDate() !== Number(day)) return null;
  const date = new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}.${millis}${offset}`);
  return Number.isNaN(date.getTime()) ? null : date;
}

export const isVendorDateTime = (value: string) => parseVendorDate(value) !== null;
