/**
 * Vendor date-times as they really arrive: RFC 3339 with `Z` or an offset, any number of
 * fractional digits (Popsell sends microseconds), and Popsell's `YYYY-MM-DD HH:MM:SS.mmm` with
 * neither `T` nor zone, read as UTC. The response validators accept exactly this format, so a
 * mapper never meets another.
 *
 * Read character by character, with no regular expression, no intermediate strings and, for the
 * validator, no Date: every vendor date passes here twice (validator, then mapper), and dates
 * were the largest single cost of mapping a 100-room page.
 */

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** 400 Gregorian years are exactly 146097 days: Date.UTC reads years 0–99 as 1900–1999. */
const FOUR_CENTURIES_MS = 146_097 * 86_400_000;

/** The digit at i (NaN when it is not one, which every later sum carries). */
function digit(s: string, i: number): number {
  const d = s.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : Number.NaN;
}

const two = (s: string, i: number) => digit(s, i) * 10 + digit(s, i + 1);

/** Minutes east of UTC of the zone starting at i (`Z`, `±HH:MM`, `±HHMM`, or none); NaN if invalid. */
function offsetMinutes(s: string, i: number): number {
  if (i === s.length) return 0;
  const sign = s.charCodeAt(i);
  if (sign === 90 /* Z */ || sign === 122 /* z */) return i + 1 === s.length ? 0 : Number.NaN;
  if (sign !== 43 /* + */ && sign !== 45 /* - */) return Number.NaN;
  const colon = s.length - i === 6 && s.charCodeAt(i + 3) === 58;
  if (!colon && s.length - i !== 5) return Number.NaN;
  const hours = two(s, i + 1);
  const minutes = two(s, colon ? i + 4 : i + 3);
  if (!(hours <= 23 && minutes <= 59)) return Number.NaN;
  return (sign === 45 ? -1 : 1) * (hours * 60 + minutes);
}

/** Milliseconds since the epoch of a vendor date-time; NaN when it is not one. */
function vendorEpochMs(s: string): number {
  if (s.length < 19 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return Number.NaN;
  const separator = s.charCodeAt(10);
  if (separator !== 84 /* T */ && separator !== 116 /* t */ && separator !== 32) return Number.NaN;
  const year = digit(s, 0) * 1000 + digit(s, 1) * 100 + two(s, 2);
  const month = two(s, 5);
  const day = two(s, 8);
  const hour = two(s, 11);
  const minute = two(s, 14);
  const second = two(s, 17);
  if (!(month >= 1 && month <= 12 && hour <= 23 && minute <= 59 && second <= 59 && day >= 1)) return Number.NaN;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > DAYS_IN_MONTH[month - 1]! + (leap ? 1 : 0)) return Number.NaN;
  let i = 19;
  let millis = 0;
  if (s.charCodeAt(i) === 46 /* . */) {
    const start = ++i;
    while (i < s.length && i - start < 9 && digit(s, i) >= 0) {
      if (i - start < 3) millis += digit(s, i) * (i === start ? 100 : i === start + 1 ? 10 : 1);
      i += 1;
    }
    if (i === start) return Number.NaN;
  }
  const offset = offsetMinutes(s, i);
  if (Number.isNaN(offset)) return Number.NaN;
  const ms = Date.UTC(year < 100 ? year + 400 : year, month - 1, day, hour, minute - offset, second, millis);
  return year < 100 ? ms - FOUR_CENTURIES_MS : ms;
}

/** Parses a vendor date-time to a Date (serialized as UTC `...Z`); null when absent or invalid. */
export function parseVendorDate(value: string | null | undefined): Date | null {
  if (value === null || value === undefined) return null;
  const ms = vendorEpochMs(value);
  return Number.isNaN(ms) ? null : new Date(ms);
}

export const isVendorDateTime = (value: string) => !Number.isNaN(vendorEpochMs(value));
