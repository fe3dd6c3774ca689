/**
 * Keyset-pagination cursors. Events are listed newest first, ordered by `(ts DESC, id DESC)`;
 * a cursor is the `(ts, id)` of the last row returned, and the next page is
 * `WHERE (ts, id) < ($ts, $id)`. The token is opaque to clients: base64url of JSON.
 * Pure: btoa/atob + TextEncoder, no Buffer.
 */
import { ENVELOPE_LIMITS, ISO_MILLIS_UTC_RE } from '../envelope/event-envelope.schema';

export interface EventCursor {
  ts: string;
  id: string;
}

/** Longer tokens are garbage by construction; refuse them before decoding. */
const MAX_CURSOR_LENGTH = 1024;

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(s: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]+$/.test(s) || s.length % 4 === 1) return null;
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4);
  let binary: string;
  try {
    binary = atob(b64);
  } catch {
    return null;
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export function encodeCursor(c: EventCursor): string {
  // Only the two keys, in a fixed order, so equal positions give equal tokens.
  return toBase64Url(new TextEncoder().encode(JSON.stringify({ ts: c.ts, id: c.id })));
}

/** The cursor's position, or null for anything that is not a cursor this module made. */
export function decodeCursor(s: string): EventCursor | null {
  if (typeof s !== 'string' || s.length === 0 || s.length > MAX_CURSOR_LENGTH) return null;
  const bytes = fromBase64Url(s);
  if (bytes === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const { ts, id } = value as Record<string, unknown>;
  if (typeof ts !== 'string' || !ISO_MILLIS_UTC_RE.test(ts) || Number.isNaN(Date.parse(ts)))
    return null;
  if (typeof id !== 'string' || id.length === 0 || id.length > ENVELOPE_LIMITS.idMaxLength)
    return null;
  return { ts, id };
}

/** Cursor pointing just after `e` in `(ts DESC, id DESC)` order. */
export function cursorOf(e: { ts: string; id: string }): string {
  return encodeCursor({ ts: e.ts, id: e.id });
}
