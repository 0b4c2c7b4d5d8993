/**
 * A request's credentials found in a vendor's text, for the debug log: a vendor's error page may
 * echo the request's headers, escaped as the vendor's stack writes text. Attackers' and reviewers'
 * passes saw tokens logged JSON-escaped (PHP's `\/`, .NET's and Go's `\u002B` for "+"),
 * percent- and form-encoded in either case of hex, as HTML entities (Go's `&#43;`, ASP.NET's
 * `&#x2B;`), and twice over (JSON in a JSON string, JSON over percent-encoding). A base64 token
 * holds "/" and "+", which each of these escapes.
 */
import { SECRET_HEADERS } from '../logger.js';

const CREDENTIALS = new Set(SECRET_HEADERS.map((h) => h.toLowerCase()));

/** Every credential value a request carried: each credential header's value, and the bare token after "Bearer ". */
function credentialValues(headers: Readonly<Record<string, string>>): string[] {
  const values = new Set<string>();
  for (const [name, value] of Object.entries(headers)) {
    if (!CREDENTIALS.has(name.toLowerCase()) || !value) continue;
    values.add(value);
    const bearer = /^Bearer\s+(.+)$/i.exec(value)?.[1];
    if (bearer) values.add(bearer);
  }
  return [...values];
}

/**
 * One kind of escape: the characters one starts with, and the escape at `at` of a text (what it
 * stands for and how long it is), or undefined if none starts there.
 */
interface Decoder {
  starts: string[];
  at: (text: string, at: number) => [string, number] | undefined;
}

/** The escapes JSON writes other than `\u` (PHP's json_encode writes "/" as "\/" too). */
const JSON_ESCAPES = new Map(Object.entries({ '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }));
const UNICODE_ESCAPE = /\\u([0-9a-fA-F]{4})/y;
const PERCENT = /%([0-9a-fA-F]{2})/y;
const ENTITY = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|(amp|lt|gt|quot|apos|sol|plus|equals|percnt|bsol));/y;
const NAMED = new Map(Object.entries({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", sol: '/', plus: '+', equals: '=', percnt: '%', bsol: '\\' }));

const sticky = (pattern: RegExp, text: string, at: number) => {
  pattern.lastIndex = at;
  return pattern.exec(text);
};

// A header value is a byte a character (latin1), as undici sends it: `%XX` is the character of that byte.
const percent = (text: string, at: number): [string, number] | undefined => {
  const match = text[at] === '%' ? sticky(PERCENT, text, at) : null;
  return match ? [String.fromCharCode(parseInt(match[1]!, 16)), 3] : undefined;
};

const DECODERS: Decoder[] = [
  {
    starts: ['\\'],
    at: (text, at) => {
      if (text[at] !== '\\') return undefined;
      const unicode = sticky(UNICODE_ESCAPE, text, at);
      if (unicode) return [String.fromCharCode(parseInt(unicode[1]!, 16)), 6];
      const escaped = JSON_ESCAPES.get(text[at + 1] ?? '');
      return escaped === undefined ? undefined : [escaped, 2];
    },
  },
  { starts: ['%'], at: percent },
  // A form's "+" is a space; elsewhere it is itself (encodeURI leaves it), so forms are a decoding of their own.
  { starts: ['%', '+'], at: (text, at) => (text[at] === '+' ? [' ', 1] : percent(text, at)) },
  {
    starts: ['&'],
    at: (text, at) => {
      const entity = text[at] === '&' ? sticky(ENTITY, text, at) : null;
      if (!entity) return undefined;
      const code = entity[1] ? Number(entity[1]) : entity[2] ? parseInt(entity[2], 16) : undefined;
      if (code !== undefined) return code <= 0x10ffff ? [String.fromCodePoint(code), entity[0].length] : undefined;
      return [NAMED.get(entity[3]!)!, entity[0].length];
    },
  },
];

/** A text as decoded, with where each of its characters began and ended in the vendor's text. */
interface View {
  chars: string;
  from: number[];
  to: number[];
}

/**
 * `view` with one kind of escape decoded, or undefined when it holds none. Whatever is not an
 * escape is taken as itself, so an encoder that escapes some characters only (PHP's JSON_HEX_*
 * flags, encodeURI) is decoded too.
 */
function decoded(view: View, decoder: Decoder): View | undefined {
  if (!decoder.starts.some((start) => view.chars.includes(start))) return undefined;
  let chars = '';
  const from: number[] = [];
  const to: number[] = [];
  let escapes = 0;
  for (let i = 0; i < view.chars.length; ) {
    const escape = decoder.at(view.chars, i);
    const [char, length] = escape ?? [view.chars[i]!, 1];
    if (escape) escapes += 1;
    chars += char;
    // An astral character is two UTF-16 units, each from the whole escape.
    for (let unit = 0; unit < char.length; unit++) {
      from.push(view.from[i]!);
      to.push(view.to[i + length - 1]!);
    }
    i += length;
  }
  return escapes > 0 ? { chars, from, to } : undefined;
}

/** The text as sent, each kind of escape decoded, and each decoded again by each kind (escaped twice over). */
function views(text: string): View[] {
  // By UTF-16 unit, as the text is indexed: Array.from(text) walks code points, and an emoji left
  // the positions short, the redaction then appending the whole text (a reviewer's pass).
  const positions = Array.from({ length: text.length }, (_, i) => i);
  const sent: View = { chars: text, from: positions, to: positions.map((i) => i + 1) };
  const once = DECODERS.map((decoder) => decoded(sent, decoder)).filter((view) => view !== undefined);
  const twice = once.flatMap((view) => DECODERS.map((decoder) => decoded(view, decoder)).filter((again) => again !== undefined));
  return [sent, ...once, ...twice];
}

/**
 * Where `pattern` starts in `text`, overlapping occurrences included, in linear time
 * (Knuth–Morris–Pratt); and the first start of a part of it (a start of it, cut short) that runs
 * up to a character from `tail` on, if any.
 */
function occurrences(text: string, pattern: string, tail: number): { starts: number[]; cut: number | undefined } {
  const fallback = new Array<number>(pattern.length).fill(0);
  for (let i = 1, k = 0; i < pattern.length; i++) {
    while (k > 0 && pattern[i] !== pattern[k]) k = fallback[k - 1]!;
    if (pattern[i] === pattern[k]) k += 1;
    fallback[i] = k;
  }
  const starts: number[] = [];
  let cut: number | undefined;
  for (let i = 0, k = 0; i < text.length; i++) {
    while (k > 0 && text[i] !== pattern[k]) k = fallback[k - 1]!;
    if (text[i] === pattern[k]) k += 1;
    if (k === pattern.length) {
      starts.push(i - k + 1);
      k = fallback[k - 1]!;
    } else if (i >= tail && k > 0) cut = Math.min(cut ?? Infinity, i - k + 1);
  }
  return { starts, cut };
}

/** The most characters one escaped character takes: an HTML entity, or an escape escaped again. */
const LONGEST_ESCAPE = 12;

/**
 * Where a vendor's text echoes any of `secrets`, as [start, end) ranges of the text, in order and
 * apart (a token inside a longer value is redacted with it): as sent (a credential may hold what
 * reads as an escape, "%41"), or escaped once or twice by any of the kinds above. Of a text `cut`
 * short, a start of one that ends it is one too (its echo was cut there), whatever part of an
 * escape follows it.
 */
function echoes(text: string, secrets: readonly string[], cut: boolean): [number, number][] {
  if (secrets.length === 0) return [];
  const found: [number, number][] = [];
  for (const { chars, from, to } of views(text)) {
    // The characters that end in the text's last LONGEST_ESCAPE: after them, at most a cut escape.
    let tail = chars.length;
    while (cut && tail > 0 && to[tail - 1]! > text.length - LONGEST_ESCAPE) tail -= 1;
    for (const secret of secrets) {
      const echoed = occurrences(chars, secret, cut ? tail : chars.length);
      for (const at of echoed.starts) found.push([from[at]!, to[at + secret.length - 1]!]);
      if (echoed.cut !== undefined) found.push([from[echoed.cut]!, text.length]);
    }
  }
  found.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [start, end] of found) {
    const last = merged.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

/** `text` with each of `ranges` (in order and apart) replaced by `[redacted]`. */
function redacted(text: string, ranges: readonly [number, number][]): string {
  let result = '';
  let done = 0;
  for (const [start, end] of ranges) {
    result += `${text.slice(done, start)}[redacted]`;
    done = end;
  }
  return result + text.slice(done);
}

/**
 * A vendor's text with every credential the request carried, however echoed, redacted; of a text
 * `cut` short, also a start of one that ends it.
 */
export function scrub(text: string, headers: Readonly<Record<string, string>>, cut = false): string {
  return redacted(text, echoes(text, credentialValues(headers), cut));
}
