import { z } from 'zod';
import { silenceMatcherSchema } from '@fleetscope/domain';
import {
  queryCursor,
  queryEnumList,
  queryLimit,
  queryList,
  queryText,
  queryTime,
  timeWindowRefinement,
} from '../common/query-params';

export const alertsQuerySchema = z
  .object({
    status: queryEnumList(['pending', 'firing', 'resolved', 'cancelled'] as const).optional(),
    rule_id: queryText(64).optional(),
    severity: queryEnumList(['info', 'warning', 'high', 'critical'] as const).optional(),
    start_time: queryTime.optional(),
    end_time: queryTime.optional(),
    limit: queryLimit(1000).optional(),
    cursor: queryCursor.optional(),
  })
  .strict()
  .superRefine(timeWindowRefinement);

/** Acknowledge or resolve: who (defaults to the API key's id) and an optional note. */
export const alertActionBodySchema = z
  .object({
    by: z.string().trim().min(1).max(200).optional(),
    note: z.string().trim().max(2000).optional(),
  })
  .strict()
  .default({});

/** A silence: matchers, and either `ends_at` or `duration` (from `starts_at`, default now). */
export const silenceBodySchema = z
  .object({
    matchers: z.array(silenceMatcherSchema).min(1).max(20),
    starts_at: z.string().datetime({ offset: true }).optional(),
    ends_at: z.string().datetime({ offset: true }).optional(),
    duration: z
      .string()
      .regex(/^\d+(m|h|d)$/, 'a duration like 30m, 2h, 1d')
      .optional(),
    created_by: z.string().trim().min(1).max(200).optional(),
    comment: z.string().trim().max(2000).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (!s.ends_at && !s.duration) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['ends_at'],
        message: 'give ends_at or duration',
      });
    }
    if (s.ends_at && s.duration) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['duration'],
        message: 'give ends_at or duration, not both',
      });
    }
  });

export const silencesQuerySchema = z
  .object({ include_expired: z.enum(['true', 'false']).optional() })
  .strict();

export { queryList };
