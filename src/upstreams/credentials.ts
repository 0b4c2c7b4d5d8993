/**
 * The vendor credentials of one GraphQL request, read from its headers (CONTRACT.md,
 * "Credentials"). Each adapter takes only its own vendor's part, so a credential cannot reach
 * another vendor by construction.
 */
import { hash as digest } from 'node:crypto';
import { GatewayError, badInput } from '../errors.js';
import type { ChatroomRef } from '../model/chat.js';
import { numericVendorId, vendorId } from '../model/globalId.js';
import type { Provider } from '../model/provider.js';

export interface Credentials {
  iwerp: { sessionToken: string; buildId: string | undefined; packageId: string | undefined } | null;
  popsell: { authorization: string; brandHeader: string | undefined } | null;
  messenger: { apiToken: string | undefined; personalAccessToken: string | undefined } | null;
}

interface HeaderSource {
  get(name: string): string | null;
}

/**
 * The headers that carry a vendor credential. A browser sends none of them without a CORS
 * preflight, so they also prove what a CSRF header proves (gateway.ts).
 */
export const CREDENTIAL_HEADERS = ['x-session-token', 'authorization', 'x-popsell-brand', 'api-token', 'personal-access-token'] as const;

/** Every header forwarded to a vendor (a WebSocket client sends them in its connectionParams). */
export const FORWARDED_HEADERS: readonly string[] = [...CREDENTIAL_HEADERS, 'iw-build-id', 'iw-package-id'];

const header = (headers: HeaderSource, name: string) => headers.get(name)?.trim() || undefined;

/**
 * IWERP_BUILD_ID / IWERP_PACKAGE_ID fill in what the client does not send. A forwarded header sent
 * twice arrives joined as "A, B", which no vendor issues: it is refused (UNAUTHENTICATED) before
 * any vendor call, rather than sent on as one value or guessed at.
 */
export function credentialsFromHeaders(
  headers: HeaderSource,
  iwerpDefaults: { buildId: string | undefined; packageId: string | undefined },
): Credentials {
  const repeated = FORWARDED_HEADERS.find((name) => headers.get(name)?.includes(', '));
  if (repeated) {
    throw new GatewayError('UNAUTHENTICATED', `The ${repeated} header was sent more than once or holds ", ": send it once, with one value.`);
  }
  const sessionToken = header(headers, 'x-session-token');
  const authorization = header(headers, 'authorization');
  const apiToken = header(headers, 'api-token');
  const personalAccessToken = header(headers, 'personal-access-token');
  return {
    iwerp: sessionToken
      ? {
          sessionToken,
          buildId: header(headers, 'iw-build-id') ?? iwerpDefaults.buildId,
          packageId: header(headers, 'iw-package-id') ?? iwerpDefaults.packageId,
        }
      : null,
    popsell: authorization ? { authorization, brandHeader: header(headers, 'x-popsell-brand') } : null,
    messenger: apiToken || personalAccessToken ? { apiToken, personalAccessToken } : null,
  };
}

/** What a caller sends to reach each vendor, named in the refusal when it is missing. */
export const missingCredential = (provider: Provider) =>
  new GatewayError('UNAUTHENTICATED', `No ${provider} credential in the request (send ${HEADERS_TO_SEND[provider]}).`, { provider });

/** The Popsell brand to use: the one the ID or argument names, else the x-popsell-brand header. */
export function popsellBrand(explicit: number | null | undefined, credentials: Credentials): number {
  if (explicit !== null && explicit !== undefined) return numericVendorId('POPSELL', String(explicit), 'brandId');
  const raw = credentials.popsell?.brandHeader;
  if (raw === undefined) {
    throw badInput('A Popsell chatroom needs a brand: pass brandId or send the x-popsell-brand header.', 'POPSELL');
  }
  return numericVendorId('POPSELL', raw, 'The x-popsell-brand header');
}

/** A chatroom named by its vendor's own identifier; only Popsell rooms have a brand. */
export function chatroomRefOf(
  provider: Provider,
  providerId: string,
  brandId: number | null | undefined,
  credentials: Credentials,
): ChatroomRef {
  if (provider !== 'POPSELL' && brandId !== null && brandId !== undefined) {
    throw badInput(`brandId applies to POPSELL chatrooms only, not ${provider}.`, provider);
  }
  // The brand header travels with the bearer token: without the token the answer is the
  // missing credential, not a missing brand.
  if (provider === 'POPSELL' && !credentials.popsell) throw missingCredential('POPSELL');
  return {
    provider,
    providerId: vendorId(provider, providerId, 'providerId'),
    brandId: provider === 'POPSELL' ? popsellBrand(brandId, credentials) : null,
  };
}

/** One vendor's credential, as a scope (below) hashes it and a request must have it. */
const secretOf: Record<Provider, (c: Credentials) => string | undefined> = {
  IWERP: (c) => c.iwerp?.sessionToken,
  POPSELL: (c) => c.popsell?.authorization,
  MESSENGER: (c) => c.messenger ? `${c.messenger.apiToken ?? ''}\n${c.messenger.personalAccessToken ?? ''}` : undefined,
};

/** Refuses, before any vendor call, a caller who sent no credential for the vendor. */
export function requireCredential(credentials: Credentials, provider: Provider): void {
  if (!secretOf[provider](credentials)) throw missingCredential(provider);
}

const HEADERS_TO_SEND: Record<Provider, string> = {
  IWERP: 'x-session-token',
  POPSELL: 'authorization: Bearer …',
  MESSENGER: 'api-token or personal-access-token',
};

/**
 * Each credential the caller sends the vendor, hashed: what a per-credential limit counts. One per
 * vendor, but Messenger's API token and personal access token each count, so that a junk token
 * beside a real one (which makes another scope) does not make another credential.
 */
export function credentialKeys(credentials: Credentials, provider: Provider): string[] {
  if (provider !== 'MESSENGER') {
    const secret = secretOf[provider](credentials);
    return secret ? [`${provider}:${hash(secret)}`] : [];
  }
  const { apiToken, personalAccessToken } = credentials.messenger ?? {};
  return [...(apiToken ? [`MESSENGER:api:${hash(apiToken)}`] : []), ...(personalAccessToken ? [`MESSENGER:pat:${hash(personalAccessToken)}`] : [])];
}

/**
 * A short hash of one vendor's credential: the "credential scope" that keys a request's loaders
 * and the live poller's pairs, so nothing fetched with one credential is served to another,
 * without keeping the secret itself.
 */
export function credentialScope(credentials: Credentials, provider: Provider): string {
  const secret = secretOf[provider](credentials);
  if (!secret) return `${provider}:anonymous`;
  // IW-ERP's build and package go with every read as query parameters: a read made with one
  // client's is not another's (one poll each, as each query's read is its own).
  const { buildId, packageId } = (provider === 'IWERP' && credentials.iwerp) || {};
  return `${provider}:${hash(buildId || packageId ? `${secret}\n${buildId ?? ''}\n${packageId ?? ''}` : secret)}`;
}

/** A secret as keys hold it: 132 bits of its sha256, never the secret. */
const hash = (secret: string) => digest('sha256', secret, 'base64url').slice(0, 22);
