/**
 * Event-time parsing for the ingest dialects.
 *
 * Accepted inputs:
 * - epoch **milliseconds** as a finite number (DIS hooks send `Date.now()`-style ms; the
 *   fractional part is truncated);
 * - an ISO 8601 string: `YYYY-MM-DD`, or `YYYY-MM-DD[T| ]hh:mm[:ss[.fraction]][Z|±hh[:]mm]`.
 *   Any number of fraction digits is accepted and truncated to milliseconds (the seed Python SDK
 *   sends microseconds: `2025-07-14T20:40:50.735788+00:00`).
 *
 * NOTE: a date-time without an offset is read as **UTC**. `new Date('2025-07-14T20:40:50')`
 * would use the server's local zone, which makes ingestion depend on the host TZ.
 * NOTE: `new Date('2025-02-30T00:00:00Z')` silently rolls over to March 2; the components are
 * checked here so such dates are rejected instead.
 */

/** Events older than this relative to `receivedAt` are rejected (365 days). */
export const TIMESTAMP_MAX_PAST_MS = 365 * 24 * 60 * 60 * 1000;
/** Events further in the future than this relative to `receivedAt` are rejected (1 day). */
export const TIMESTAMP_MAX_FUTURE_MS = 24 * 60 * 60 * 1000;

export type TimestampParseResult = { ok: true; date: Date } | { ok: false; reason: string };

const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** Parse an ISO 8601 date or date-time string; returns null when it is not one. */
export function parseIsoTimestamp(text: string): Date | null {
  const m = ISO_RE.exec(text.trim());
  if (!m) return null;
  const [, ys, mos, ds, hs, mis, ss, frac, off] = m;
  const year = Number(ys);
  const month = Number(mos);
  const day = Number(ds);
  const hour = hs === undefined ? 0 : Number(hs);
  const minute = mis === undefined ? 0 : Number(mis);
  const second = ss === undefined ? 0 : Number(ss);
  // Truncate (not round) so that .9999 never carries into the next second.
  const millis = frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, '0'));
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59)
    return null;

  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, millis);
  // Reject rolled-over dates such as Feb 30.
  if (utc.getUTCFullYear() !== year || utc.getUTCMonth() !== month - 1 || utc.getUTCDate() !== day)
    return null;

  let offsetMinutes = 0;
  if (off !== undefined && off !== 'Z' && off !== 'z') {
    const sign = off.startsWith('-') ? -1 : 1;
    const digits = off.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 23 || om > 59) return null;
    offsetMinutes = sign * (oh * 60 + om);
  }
  const ms = utc.getTime() - offsetMinutes * 60_000;
  return Number.isFinite(ms) ? new Date(ms) : null;
}

/**
 * Parse a client-supplied event time and check it against the accepted window
 * `[receivedAt - TIMESTAMP_MAX_PAST_MS, receivedAt + TIMESTAMP_MAX_FUTURE_MS]`.
 */
export function parseEventTimestamp(value: unknown, receivedAt: Date): TimestampParseResult {
  let date: Date | null;
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      return { ok: false, reason: 'must be a finite number of epoch milliseconds' };
    date = new Date(Math.trunc(value));
    if (Number.isNaN(date.getTime()))
      return { ok: false, reason: 'epoch milliseconds out of range' };
  } else if (typeof value === 'string') {
    date = parseIsoTimestamp(value);
    if (date === null) {
      return {
        ok: false,
        reason: `"${value.slice(0, 64)}" is not an ISO 8601 timestamp (e.g. 2026-01-02T03:04:05.678Z)`,
      };
    }
  } else {
    return {
      ok: false,
      reason: `must be an ISO 8601 string or epoch milliseconds, got ${describeType(value)}`,
    };
  }

  const delta = date.getTime() - receivedAt.getTime();
  if (delta < -TIMESTAMP_MAX_PAST_MS || delta > TIMESTAMP_MAX_FUTURE_MS) {
    // Epoch *seconds* land in January 1970, which is the usual cause: say so.
    const hint =
      typeof value === 'number' && value > 0 && value < 1e11
        ? ' (looks like epoch seconds; send milliseconds)'
        : '';
    return {
      ok: false,
      reason: `${date.toISOString()} is outside the accepted window: at most 365 days in the past and 1 day in the future relative to the receive time ${receivedAt.toISOString()}${hint}`,
    };
  }
  return { ok: true, date };
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
