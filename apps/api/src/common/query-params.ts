import { z } from 'zod';
import {
  decodeCursor,
  encodeCursor,
  ValidationError,
  zodIssuesToFieldErrors,
  type EventCursor,
} from '@fleetscope/domain';
import type { FastifyReply } from 'fastify';

/**
 * Query-string pieces shared by the list and analytics routes, with the
 * same rules and messages as GET /events.
 */

/** ISO 8601 or epoch milliseconds (10 to 14 digits) → ISO string. */
export const queryTime = z
  .string()
  .trim()
  .transform((v, ctx) => {
    const d = /^\d{10,14}$/.test(v) ? new Date(Number(v)) : new Date(v);
    if (Number.isNaN(d.getTime())) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `not an ISO 8601 time or epoch ms: "${v}"`,
      });
      return z.NEVER;
    }
    return d.toISOString();
  });

/** `a,b` or the parameter repeated → ['a', 'b']. */
export const queryList = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean));

/** A list whose every item must be one of `values`; the error names the parameter. */
export const queryEnumList = <T extends string>(values: readonly T[]) =>
  queryList.transform((items, ctx) => {
    const bad = items.filter((i) => !(values as readonly string[]).includes(i));
    if (bad.length > 0) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `must be one of ${values.join(', ')} (a comma-separated list), got "${bad.join(',')}"`,
      });
      return z.NEVER;
    }
    return items as T[];
  });

/** An exact-match text filter. */
export const queryText = (max: number) => z.string().trim().min(1).max(max);

/** A positive integer, clamped to `max` (as GET /events does, after the seed). */
export const queryLimit = (max: number) =>
  z
    .string()
    .trim()
    .transform((v, ctx) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `must be a positive integer, got "${v}"`,
        });
        return z.NEVER;
      }
      return Math.min(n, max);
    });

/** A number >= 0. */
export const queryNonNegative = z
  .string()
  .trim()
  .transform((v, ctx) => {
    const n = Number(v);
    if (v === '' || !Number.isFinite(n) || n < 0) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `must be a number >= 0, got "${v}"`,
      });
      return z.NEVER;
    }
    return n;
  });

export const queryCursor = z.string().transform((v, ctx): EventCursor => {
  const c = decodeCursor(v);
  if (!c) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'not a cursor issued by this API' });
    return z.NEVER;
  }
  return c;
});

/** `end_time` before `start_time` is a mistake worth a 400, not an empty page. */
export const timeWindowRefinement = (
  q: { start_time?: string | undefined; end_time?: string | undefined },
  ctx: z.RefinementCtx,
): void => {
  if (q.start_time && q.end_time && q.end_time < q.start_time) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['end_time'],
      message: 'must not be before start_time',
    });
  }
};

/** Parses the query or throws the 400 naming each bad parameter. */
export function parseQueryOrThrow<T extends z.ZodTypeAny>(schema: T, raw: unknown): z.output<T> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const details = zodIssuesToFieldErrors(parsed.error);
    throw new ValidationError(details.map((d) => `${d.field}: ${d.reason}`).join('; '), details);
  }
  return parsed.data as z.output<T>;
}

/**
 * When a page is full, sets `X-Next-Cursor` and `Link: <path?same params&cursor=…>;
 * rel="next"` (repeated parameters are left out of the Link, as for GET /events).
 */
export function setNextPage(
  reply: FastifyReply,
  path: string,
  query: Record<string, unknown>,
  next: EventCursor | null,
): void {
  if (next === null) return;
  const cursor = encodeCursor(next);
  void reply.header('X-Next-Cursor', cursor);
  const params = new URLSearchParams(
    Object.entries(query).filter(([k, v]) => k !== 'cursor' && typeof v === 'string') as [
      string,
      string,
    ][],
  );
  params.set('cursor', cursor);
  void reply.header('Link', `<${path}?${params.toString()}>; rel="next"`);
}
