import { z } from 'zod';
import {
  queryCursor,
  queryLimit,
  queryList as list,
  queryTime as time,
} from '../common/query-params';

const SEVERITY_NAMES: Record<string, number> = { info: 1, warn: 2, warning: 2, error: 3, fatal: 4 };

/**
 * Query of GET /events: the seed's filters plus session, agent, tags and a cursor.
 * `tag.<key>=<value>` (repeatable) or `tags=key:value,key:value` filter on tags.
 */
export function parseEventsQuery(raw: Record<string, unknown>, maxLimit: number) {
  const schema = z
    .object({
      start_time: time.optional(),
      end_time: time.optional(),
      app: list.optional(),
      event_type: list.optional(),
      session_id: z.string().trim().min(1).max(256).optional(),
      agent_id: z.string().trim().min(1).max(256).optional(),
      trace_id: z.string().trim().min(1).max(128).optional(),
      severity: z
        .string()
        .trim()
        .transform((v, ctx) => {
          const n = SEVERITY_NAMES[v.toLowerCase()] ?? Number(v);
          if (!Number.isInteger(n) || n < 1 || n > 4) {
            ctx.addIssue({
              code: z.ZodIssueCode.custom,
              message: 'must be 1-4 or info|warn|error|fatal',
            });
            return z.NEVER;
          }
          return n;
        })
        .optional(),
      search: z.string().trim().min(1).max(512).optional(),
      tags: z.string().optional(),
      cursor: queryCursor.optional(),
      // The seed clamped to MAX_EVENTS_PER_QUERY rather than failing; keep that.
      limit: queryLimit(maxLimit).optional(),
    })
    .passthrough();
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return { ok: false as const, error: parsed.error };
  const q = parsed.data;
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (k.startsWith('tag.') && typeof v === 'string') tags[k.slice(4)] = v;
  }
  for (const pair of (q.tags ?? '').split(',').filter(Boolean)) {
    const i = pair.indexOf(':');
    if (i > 0) tags[pair.slice(0, i).trim()] = pair.slice(i + 1).trim();
  }
  return {
    ok: true as const,
    value: {
      startTime: q.start_time,
      endTime: q.end_time,
      app: q.app,
      eventType: q.event_type,
      sessionId: q.session_id,
      agentId: q.agent_id,
      traceId: q.trace_id,
      minSeverity: q.severity,
      search: q.search,
      tags: Object.keys(tags).length > 0 ? tags : undefined,
      before: q.cursor,
      limit: q.limit ?? Math.min(100, maxLimit),
    },
  };
}
