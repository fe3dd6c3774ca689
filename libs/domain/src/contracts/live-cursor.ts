/**
 * Cursors of the live WebSocket stream: where a subscription's event stream stands, so a
 * client that reconnects resumes without a gap and without a duplicate.
 *
 * Events of a subscription are delivered in `(received_at, ts, id)` order (the server sorts
 * each committed batch; batches are committed in receive order in all-in-one mode), which is
 * also the order of a replay from the database. A position is:
 *   - every matching event with `received_at < r` has been delivered, and
 *   - of the events with `received_at = r`: the ids in `s` when present (exact), otherwise
 *     those with `(ts, id) <= (t, i)` (a prefix in delivery order).
 * `s` is kept while the ids delivered at `r` are few (events received in the same
 * millisecond by separate requests, which can interleave); a large batch received in one
 * millisecond switches to the prefix form so the token stays short.
 *
 * The token is opaque to clients: base64url of JSON. Pure: btoa/atob, no Buffer.
 */
import { ENVELOPE_LIMITS, ISO_MILLIS_UTC_RE } from '../envelope/event-envelope.schema';

export interface LiveCursor {
  /** received_at of the position, ISO 8601 UTC with ms. */
  r: string;
  /** The greatest `(ts, id)` delivered at `r`. */
  t: string;
  i: string;
  /** Every id delivered at `r`, while they fit (see {@link SEEN_IDS_MAX_CHARS}). */
  s?: string[];
}

/** Longest token a client may send back (the subscribe schema's bound). */
export const LIVE_CURSOR_MAX_LENGTH = 1024;
/** Total length of the ids kept in `s`; beyond it the cursor switches to the prefix form. */
const SEEN_IDS_MAX_CHARS = 560;

/** The fields of an event that position it in the stream. */
export interface StreamKey {
  received_at: string;
  ts: string;
  id: string;
}

/** Total order of the live stream and of replays: `(received_at, ts, id)`. */
export function compareStreamKeys(a: StreamKey, b: StreamKey): number {
  if (a.received_at !== b.received_at) return a.received_at < b.received_at ? -1 : 1;
  if (a.ts !== b.ts) return a.ts < b.ts ? -1 : 1;
  return a.id === b.id ? 0 : a.id < b.id ? -1 : 1;
}

function toBase64Url(text: string): string {
  // NOTE: hot path (every live event, per subscription). Cursors are ASCII but for exotic
  // client ids; btoa takes ASCII as is, only other text needs its UTF-8 bytes spelled out.
  let binary = text;
  // eslint-disable-next-line no-control-regex
  if (!/^[\x00-\x7f]*$/.test(text)) {
    binary = '';
    for (const b of new TextEncoder().encode(text)) binary += String.fromCharCode(b);
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(s: string): string | null {
  if (!/^[A-Za-z0-9_-]+$/.test(s) || s.length % 4 === 1) return null;
  try {
    const binary = atob(
      s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4),
    );
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

export function encodeLiveCursor(c: LiveCursor): string {
  // Fixed key order: equal positions give equal tokens.
  const { r, t, i, s } = c;
  return toBase64Url(JSON.stringify(s ? { r, t, i, s } : { r, t, i }));
}

const isIso = (v: unknown): v is string =>
  typeof v === 'string' && ISO_MILLIS_UTC_RE.test(v) && !Number.isNaN(Date.parse(v));
const isId = (v: unknown): v is string =>
  typeof v === 'string' && v.length > 0 && v.length <= ENVELOPE_LIMITS.idMaxLength;

/** The cursor's position, or null for anything this module did not make. */
export function decodeLiveCursor(token: string): LiveCursor | null {
  if (typeof token !== 'string' || token.length === 0 || token.length > LIVE_CURSOR_MAX_LENGTH)
    return null;
  const text = fromBase64Url(token);
  if (text === null) return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const { r, t, i, s } = v as Record<string, unknown>;
  if (!isIso(r) || !isIso(t) || !isId(i)) return null;
  if (s === undefined) return { r, t, i };
  if (!Array.isArray(s) || s.length === 0 || !s.every(isId)) return null;
  return { r, t, i, s };
}

/**
 * The position of one subscription's stream, advanced by every event delivered on it.
 * `cursor()` after delivering an event is the token to resume right after that event.
 */
export class LivePosition {
  private r: string | null = null;
  private t = '';
  private i = '';
  /** Ids delivered at `r`; null once they no longer fit (prefix form). */
  private seen: string[] | null = null;
  private seenChars = 0;

  constructor(start?: LiveCursor) {
    if (!start) return;
    this.r = start.r;
    this.t = start.t;
    this.i = start.i;
    this.seen = start.s ? [...start.s] : null;
    this.seenChars = (start.s ?? []).reduce((n, id) => n + id.length + 3, 0);
  }

  /** Records `e` as delivered. */
  advance(e: StreamKey): void {
    if (this.r === null || e.received_at > this.r) {
      this.r = e.received_at;
      this.t = e.ts;
      this.i = e.id;
      this.seen = [e.id];
      this.seenChars = e.id.length + 3;
      return;
    }
    // Older than the position: already covered by "received_at < r".
    if (e.received_at < this.r) return;
    if (compareStreamKeys(e, { received_at: this.r, ts: this.t, id: this.i }) > 0) {
      this.t = e.ts;
      this.i = e.id;
    }
    if (this.seen === null) return;
    this.seenChars += e.id.length + 3;
    if (this.seenChars > SEEN_IDS_MAX_CHARS) this.seen = null;
    else this.seen.push(e.id);
  }

  /** Where the stream stands, or null before the first event. */
  get value(): LiveCursor | null {
    if (this.r === null) return null;
    return this.seen
      ? { r: this.r, t: this.t, i: this.i, s: [...this.seen] }
      : { r: this.r, t: this.t, i: this.i };
  }

  cursor(): string | null {
    const v = this.value;
    return v ? encodeLiveCursor(v) : null;
  }
}
