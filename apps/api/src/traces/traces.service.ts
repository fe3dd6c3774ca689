import { Inject, Injectable } from '@nestjs/common';
import {
  buildClaudeCodeSpanTree,
  buildSpanTree,
  CLAUDE_CODE_HOOK_EVENT_TYPES,
  NotFoundError,
  sessionOfClaudeCodeTrace,
  type EventCursor,
  type EventEnvelope,
  type TraceSpan,
} from '@fleetscope/domain';
import { TracesRepository, type TraceQuery, type TraceSummary } from '@fleetscope/db';
import { RUNTIME, type Runtime } from '../runtime/runtime';

/**
 * Most events read for one trace's detail. A larger trace is cut (`truncated: true`) and its
 * tree is built from its first events; page through GET /events?trace_id= for the rest.
 */
export const TRACE_MAX_EVENTS = 5000;

/**
 * A trace row as the API shows it: the summary plus the seed's column names
 * (`id`, `operation_name`, `duration`, `service_name`, `tags`).
 */
export type TraceView = TraceSummary & {
  id: string;
  operation_name: string | null;
  duration: number;
  service_name: string;
  tags: null;
};

export interface TraceDetail {
  trace: TraceView | null;
  events: (EventEnvelope & { timestamp: string })[];
  spans: TraceSpan[];
  truncated: boolean;
}

export function toTraceView(t: TraceSummary): TraceView {
  // Named field by field: the repository row also carries first_event_id (the keyset).
  return {
    id: t.trace_id,
    trace_id: t.trace_id,
    derived: t.derived,
    root_span_id: t.root_span_id,
    root_name: t.root_name,
    operation_name: t.root_name,
    app: t.app,
    service_name: t.app,
    session_id: t.session_id,
    start_time: t.start_time,
    end_time: t.end_time,
    duration_ms: t.duration_ms,
    duration: t.duration_ms,
    status: t.status,
    span_count: t.span_count,
    event_count: t.event_count,
    error_count: t.error_count,
    tags: null,
    created_at: t.created_at,
    updated_at: t.updated_at,
  };
}

@Injectable()
export class TracesService {
  private readonly traces = new TracesRepository();

  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  /** A page, newest first, and the cursor of the next page when it is full. */
  async list(q: TraceQuery): Promise<{ rows: TraceView[]; next: EventCursor | null }> {
    const rows = await this.traces.list(this.runtime.db, q);
    const last = rows[rows.length - 1];
    return {
      rows: rows.map(toTraceView),
      next:
        last && rows.length === q.limit ? { ts: last.start_time, id: last.first_event_id } : null,
    };
  }

  /**
   * The summary, the events and the nested span tree. A Claude Code trace (derived, id
   * `claude-code:<session>`) reads its session's hook events and derives the tree; any other
   * reads the events carrying the trace id. A trace with events but no summary (events
   * stored before migration 0003) still answers, with `trace: null`.
   */
  async get(projectId: string, traceId: string): Promise<TraceDetail> {
    const { db, events } = this.runtime;
    const row = await this.traces.findById(db, projectId, traceId);
    const session = row === null || row.derived ? sessionOfClaudeCodeTrace(traceId) : null;
    const list =
      session !== null
        ? await events.listClaudeCodeSession(
            db,
            projectId,
            session,
            CLAUDE_CODE_HOOK_EVENT_TYPES,
            TRACE_MAX_EVENTS,
          )
        : await events.listByTrace(db, projectId, traceId, TRACE_MAX_EVENTS);
    if (row === null && list.length === 0) throw new NotFoundError(`trace "${traceId}" not found`);
    return {
      trace: row === null ? null : toTraceView(row),
      events: list.map((e) => ({ ...e, timestamp: e.ts })),
      spans: session !== null ? buildClaudeCodeSpanTree(list) : buildSpanTree(list),
      truncated: list.length === TRACE_MAX_EVENTS,
    };
  }
}
