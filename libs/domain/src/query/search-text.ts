/**
 * What `GET /events?search=` searches: the text an event's full-text vector is built from.
 *
 * - the whole summary;
 * - the event's names: app, agent id and type, session, event type, tool, model, provider,
 *   status and the tag values;
 * - the payload's string values (keys and numbers are not words anyone searches), taken
 *   breadth first so the short fields near the top (`tool_name`, `tool_input.command`,
 *   `file_path`, `prompt`) come before deep blobs, each cut to its first
 *   {@link SEARCH_LIMITS.payloadValueChars} characters, all together to
 *   {@link SEARCH_LIMITS.payloadChars}.
 *
 * The budget is what keeps indexing affordable: tokenising whole payloads was 80 % of the
 * worker's database time on realistic text (docs/performance.md). Whole-payload matching is
 * still available to analysts in SQL (`payload::text ILIKE …`).
 * Pure and deterministic: the same event always gives the same text.
 */
import type { EventEnvelope } from '../envelope/event-envelope.schema';

export const SEARCH_LIMITS = {
  /** Characters kept of each payload string value. */
  payloadValueChars: 256,
  /** Characters of payload text in all. */
  payloadChars: 1024,
  /** JSON nodes visited at most, so a payload of many tiny values costs little. */
  payloadNodes: 512,
} as const;

type SearchedFields = Pick<
  EventEnvelope,
  | 'summary'
  | 'app'
  | 'agent_id'
  | 'agent_type'
  | 'session_id'
  | 'event_type'
  | 'tool_name'
  | 'model'
  | 'provider'
  | 'status'
  | 'tags'
  | 'payload'
>;

const NAME_FIELDS = [
  'app',
  'agent_id',
  'agent_type',
  'session_id',
  'event_type',
  'tool_name',
  'model',
  'provider',
  'status',
] as const;

export function searchTextOf(event: SearchedFields): string {
  const parts: string[] = [];
  if (event.summary) parts.push(event.summary);
  for (const f of NAME_FIELDS) {
    const v = event[f];
    if (v) parts.push(v);
  }
  if (event.tags) for (const v of Object.values(event.tags)) if (v) parts.push(v);
  const payload = payloadText(event.payload);
  if (payload) parts.push(payload);
  return parts.join(' ');
}

/** The payload's string values, breadth first, within the budget. */
export function payloadText(payload: unknown): string {
  const { payloadValueChars, payloadChars, payloadNodes } = SEARCH_LIMITS;
  const out: string[] = [];
  let left = payloadChars;
  let visited = 0;
  let level: unknown[] = [payload];
  while (level.length > 0 && left > 0) {
    const next: unknown[] = [];
    for (const node of level) {
      if (++visited > payloadNodes || left <= 0) return out.join(' ');
      if (typeof node === 'string') {
        if (node.length === 0) continue;
        const take = node.slice(0, Math.min(payloadValueChars, left));
        out.push(take);
        left -= take.length;
      } else if (node !== null && typeof node === 'object') {
        // Queue no more children than could still be visited (a huge array costs nothing).
        const room = payloadNodes - visited - next.length;
        const children = Array.isArray(node) ? node : Object.values(node);
        for (let i = 0; i < children.length && i < room; i++) next.push(children[i]);
      }
    }
    level = next;
  }
  return out.join(' ');
}
