import { ValidationError, formatFieldErrors, zodIssuesToFieldErrors } from '@fleetscope/domain';
import { z } from 'zod';

const SECOND_MS = 1000;
const DAY_MS = 86_400_000;

export const slidingWindowOptionsSchema = z
  .object({
    /**
     * Window lengths; whole seconds because the state is kept per one-second slot. The
     * largest one sets how much state each series keeps.
     */
    windowsMs: z
      .array(z.number().int().positive().multipleOf(SECOND_MS).max(DAY_MS))
      .min(1)
      .max(8)
      .refine((ws) => new Set(ws).size === ws.length, 'must not repeat a window')
      .default([60_000, 300_000, 900_000]),
    /**
     * How far behind the newest event time an event may still arrive and count. 5 s covers
     * SDK batching and the ingest → Kafka → worker hop; later events only count in `late`.
     */
    allowedLatenessMs: z.number().int().nonnegative().max(DAY_MS).default(5_000),
    /**
     * After this long without an accepted event the watermark follows the clock instead of
     * the events, so windows and closed minutes of a silent fleet still move on.
     */
    idleMs: z.number().int().nonnegative().max(DAY_MS).default(2_000),
    /**
     * For how many minutes after its last event a series keeps producing (zero) closed
     * minutes: long enough for a detector to see it go silent, bounded so dead sessions fade.
     */
    silenceMinutes: z
      .number()
      .int()
      .nonnegative()
      .max(24 * 60)
      .default(60),
  })
  .strict();

export type SlidingWindowOptions = z.input<typeof slidingWindowOptionsSchema>;
export type ResolvedSlidingWindowOptions = z.output<typeof slidingWindowOptionsSchema>;

export function parseSlidingWindowOptions(input: unknown = {}): ResolvedSlidingWindowOptions {
  const parsed = slidingWindowOptionsSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const errors = zodIssuesToFieldErrors(parsed.error);
  throw new ValidationError(`invalid sliding window options: ${formatFieldErrors(errors)}`, errors);
}
