/**
 * The nested span tree of a trace, built at read time from the trace's stored events. There
 * is no spans table: the events already hold every span's ids, time and status (see
 * docs/data.md, "Sessions and traces").
 */
import type { EventEnvelope, EventStatus } from '../envelope/event-envelope.schema';
import { isErrorEvent } from '../sessions/session-rules';
import { SPAN_DURATION_CAP_MS, spanKeyOf, spanNameOf } from './trace-rules';

export interface TraceSpan {
  span_id: string;
  parent_span_id: string | null;
  /** Display name (`tool_use Bash`, `turn: fix the bug`, `Bash`). */
  name: string;
  /** What kind of work: the event type, or `session` / `turn` / `tool` / `subagent` (derived). */
  operation: string;
  app: string;
  start: string;
  end: string;
  duration_ms: number;
  status: EventStatus;
  /** The events that make up this span (not its children's), in time order. */
  event_ids: string[];
  children: TraceSpan[];
}

export type FlatSpan = Omit<TraceSpan, 'children'>;

/** Sorts events by (ts, id): the order every rule here uses. */
export function byTimeThenId(
  a: Pick<EventEnvelope, 'ts' | 'id'>,
  b: Pick<EventEnvelope, 'ts' | 'id'>,
): number {
  return a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Event end in ms: `ts + duration_ms` (an event with a duration starts at `ts`), capped. */
export function eventEndMs(e: Pick<EventEnvelope, 'ts' | 'duration_ms'>): number {
  return Date.parse(e.ts) + Math.min(e.duration_ms ?? 0, SPAN_DURATION_CAP_MS);
}

/** Accumulates the events of one span. */
export class SpanAccumulator {
  startMs = Number.POSITIVE_INFINITY;
  endMs = Number.NEGATIVE_INFINITY;
  readonly eventIds: string[] = [];
  errors = 0;
  oks = 0;

  constructor(
    readonly spanId: string,
    public parentSpanId: string | null,
    public name: string,
    public operation: string,
    public app: string,
  ) {}

  add(e: EventEnvelope, ok = e.status === 'ok'): void {
    this.startMs = Math.min(this.startMs, Date.parse(e.ts));
    this.endMs = Math.max(this.endMs, eventEndMs(e));
    this.eventIds.push(e.id);
    if (isErrorEvent(e)) this.errors += 1;
    else if (ok) this.oks += 1;
  }

  toFlat(): FlatSpan {
    const start = Number.isFinite(this.startMs) ? this.startMs : 0;
    const end = Number.isFinite(this.endMs) ? Math.max(this.endMs, start) : start;
    return {
      span_id: this.spanId,
      parent_span_id: this.parentSpanId,
      name: this.name,
      operation: this.operation,
      app: this.app,
      start: new Date(start).toISOString(),
      end: new Date(end).toISOString(),
      duration_ms: end - start,
      status: this.errors > 0 ? 'error' : this.oks > 0 ? 'ok' : 'unset',
      event_ids: this.eventIds,
    };
  }
}

/**
 * Spans of an explicit trace: one per `span_id` (an event without one is a span of its
 * own, `event:<id>`). A span's name, operation, app and parent come from its primary event:
 * the first one with a duration (a complete span record), else its first event; the parent
 * falls back to the first event that names one. Start = first event time, end = latest
 * `ts + duration_ms`; status error if any of its events is an error, ok if any says ok.
 */
export function buildExplicitSpans(events: readonly EventEnvelope[]): FlatSpan[] {
  const groups = new Map<string, EventEnvelope[]>();
  for (const e of [...events].sort(byTimeThenId)) {
    const key = spanKeyOf(e);
    const g = groups.get(key);
    if (g) g.push(e);
    else groups.set(key, [e]);
  }
  const spans: FlatSpan[] = [];
  for (const [key, group] of groups) {
    const primary = group.find((e) => e.duration_ms !== null) ?? group[0]!;
    const parent =
      primary.parent_span_id ?? group.find((e) => e.parent_span_id !== null)?.parent_span_id;
    const acc = new SpanAccumulator(
      key,
      parent === undefined || parent === key ? null : parent,
      spanNameOf(primary),
      primary.event_type,
      primary.app,
    );
    for (const e of group) acc.add(e);
    spans.push(acc.toFlat());
  }
  return spans;
}

const byStart = (a: FlatSpan, b: FlatSpan): number =>
  a.start < b.start ? -1 : a.start > b.start ? 1 : a.span_id < b.span_id ? -1 : 1;

/**
 * Nests flat spans by `parent_span_id`, children ordered by start (then span id). A span
 * whose parent is not in the trace (not stored yet, or never sent) is a top-level span; so
 * is the earliest span of a parent cycle, so every span appears exactly once.
 */
export function nestSpans(flat: readonly FlatSpan[]): TraceSpan[] {
  const nodes = new Map<string, TraceSpan>();
  for (const s of [...flat].sort(byStart)) nodes.set(s.span_id, { ...s, children: [] });
  const roots: TraceSpan[] = [];
  for (const n of nodes.values()) {
    const parent = n.parent_span_id === null ? undefined : nodes.get(n.parent_span_id);
    if (parent && parent !== n) parent.children.push(n);
    else roots.push(n);
  }
  // Spans in a parent cycle are reachable from no root: lift the earliest unreached span to
  // the top level until every span is reached.
  const reached = new Set<TraceSpan>();
  const walk = (n: TraceSpan): void => {
    const stack = [n];
    while (stack.length > 0) {
      const x = stack.pop()!;
      if (reached.has(x)) continue;
      reached.add(x);
      stack.push(...x.children);
    }
  };
  roots.forEach(walk);
  for (const n of nodes.values()) {
    if (reached.has(n)) continue;
    const parent = nodes.get(n.parent_span_id!)!;
    parent.children.splice(parent.children.indexOf(n), 1);
    roots.push(n);
    walk(n);
  }
  const sortTree = (list: TraceSpan[]): void => {
    list.sort(byStart);
    for (const n of list) sortTree(n.children);
  };
  sortTree(roots);
  return roots;
}

/** The nested span tree of an explicit trace (client-sent trace and span ids). */
export function buildSpanTree(events: readonly EventEnvelope[]): TraceSpan[] {
  return nestSpans(buildExplicitSpans(events));
}
