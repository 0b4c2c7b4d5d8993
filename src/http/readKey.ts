import { hash } from 'node:crypto';
import type { VendorCall } from './layer.js';

/**
 * The identity of a read: path, query and every header sent, so the credential and the Popsell
 * brand. A hash, so that no secret is kept in an in-flight map or a cache; computed once per call.
 */
export const readKey = (call: VendorCall): string =>
  (call.key ??= hash('sha256', JSON.stringify([call.path, call.query, call.headers]), 'base64url'));
