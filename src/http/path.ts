import { badInput } from '../errors.js';
import { requireIdentifierText } from '../model/globalId.js';
import type { Provider } from '../model/provider.js';

/**
 * Turns a caller-supplied identifier into one encoded path segment. `.` and `..` survive
 * encodeURIComponent and would be normalized into another path by a proxy or the vendor, so they
 * are refused, as is the empty string; everything else (`/`, `?`, `#`, `%`) is percent-encoded and
 * cannot change the path, the query or the host. Resolvers check identifiers where they enter
 * (vendorId); length and text are checked here again so no path of the gateway can send another.
 */
export function pathSegment(value: string, provider: Provider, what: string): string {
  if (value === '' || value === '.' || value === '..') {
    throw badInput(`${what} must be a non-empty identifier other than "." or "..".`, provider);
  }
  requireIdentifierText(value, provider, what);
  return encodeURIComponent(value);
}

/** Placeholders in a path template: `{roomID}`. */
const PLACEHOLDER = /\{([A-Za-z]+)\}/g;

export const templatePlaceholders = (template: string): string[] =>
  [...template.matchAll(PLACEHOLDER)].map((m) => m[1] as string);

/** Fills a path template such as `/chatroom/{roomID}` with encoded segments. */
export function expandPath(
  template: string,
  params: Readonly<Record<string, string>>,
  provider: Provider,
): string {
  return template.replace(PLACEHOLDER, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`path template ${template} needs {${name}}`);
    return pathSegment(value, provider, name);
  });
}
