import { z } from 'zod';
import type { EventEnvelope } from '../envelope/event-envelope.schema';

/**
 * A live-subscription / query filter. All given conditions must match (AND); a list value
 * matches any of its entries (OR). `severity` is a minimum. `tags` must all be present with
 * equal values. Strict: an unknown key (e.g. a typo such as `event_types`) is rejected rather
 * than silently widening the filter to "everything".
 */
const filterText = z.string().min(1).max(256);
const oneOrMany = z.union([filterText, z.array(filterText).min(1).max(100)]);

export const eventFilterSchema = z
  .object({
    project_id: filterText.optional(),
    app: oneOrMany.optional(),
    agent_id: filterText.optional(),
    session_id: filterText.optional(),
    event_type: oneOrMany.optional(),
    severity: z.number().int().min(1).max(4).optional(),
    trace_id: filterText.optional(),
    tags: z.record(z.string().min(1).max(128), z.string().max(1024)).optional(),
  })
  .strict();

export type EventFilter = z.infer<typeof eventFilterSchema>;

function matchesOneOrMany(expected: string | string[] | undefined, actual: string): boolean {
  if (expected === undefined) return true;
  return typeof expected === 'string' ? expected === actual : expected.includes(actual);
}

export function matchesFilter(filter: EventFilter, e: EventEnvelope): boolean {
  if (filter.project_id !== undefined && filter.project_id !== e.project_id) return false;
  if (!matchesOneOrMany(filter.app, e.app)) return false;
  if (!matchesOneOrMany(filter.event_type, e.event_type)) return false;
  if (filter.agent_id !== undefined && filter.agent_id !== e.agent_id) return false;
  if (filter.session_id !== undefined && filter.session_id !== e.session_id) return false;
  if (filter.trace_id !== undefined && filter.trace_id !== e.trace_id) return false;
  if (filter.severity !== undefined && e.severity < filter.severity) return false;
  if (filter.tags !== undefined) {
    for (const [k, v] of Object.entries(filter.tags)) {
      // NOTE: Object.hasOwn, not `e.tags[k]`: a tag named "constructor" must not match the prototype.
      if (e.tags === null || !Object.hasOwn(e.tags, k) || e.tags[k] !== v) return false;
    }
  }
  return true;
}
