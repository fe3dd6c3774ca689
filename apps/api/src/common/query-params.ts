import { z } from 'zod';
import { ValidationError, zodIssuesToFieldErrors } from '@fleetscope/domain';

/** ISO 8601 or epoch milliseconds (the hook dialect's unit) → ISO string. */
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

/** `a,b` or repeated `?x=a&x=b` → ['a', 'b']. */
export const queryList = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean));

/** A positive integer, clamped to `max` (the seed clamped rather than failed). */
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

/** Parses a query string object or throws the 400 naming each bad field. */
export function parseQuery<T extends z.ZodTypeAny>(schema: T, raw: unknown): z.output<T> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const details = zodIssuesToFieldErrors(parsed.error);
    throw new ValidationError(details.map((d) => `${d.field}: ${d.reason}`).join('; '), details);
  }
  return parsed.data as z.output<T>;
}
