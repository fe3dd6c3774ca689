import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError, type EventCursor, type EventEnvelope } from '@fleetscope/domain';
import {
  SessionsRepository,
  TracesRepository,
  type SessionQuery,
  type SessionSummary,
} from '@fleetscope/db';
import { RUNTIME, type Runtime } from '../runtime/runtime';

/** An `active` session without events for this long reads as `idle`. */
export const SESSION_IDLE_AFTER_MS = 10 * 60 * 1000;
/** Most trace ids listed on one session. */
const SESSION_TRACE_IDS_MAX = 100;

export type SessionListQuery = Omit<SessionQuery, 'idleBefore'>;

/** GET /sessions/:id, shaped like GET /traces/:id (`{trace, events, spans}`). */
export interface SessionDetail {
  session: SessionSummary & { last_event_id: string };
  /** Traces whose earliest event is in this session, newest first (its Claude Code trace). */
  trace_ids: string[];
  /** With `include=events`: the session's newest events, oldest of them first. */
  events?: (EventEnvelope & { timestamp: string })[];
}

@Injectable()
export class SessionsService {
  private readonly sessions = new SessionsRepository();
  private readonly traces = new TracesRepository();

  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  private idleBefore(): string {
    return new Date(Date.now() - SESSION_IDLE_AFTER_MS).toISOString();
  }

  /** A page, most recently active first, and the cursor of the next page when it is full. */
  async list(q: SessionListQuery): Promise<{ rows: SessionSummary[]; next: EventCursor | null }> {
    const rows = await this.sessions.list(this.runtime.db, { ...q, idleBefore: this.idleBefore() });
    const last = rows[rows.length - 1];
    return {
      rows,
      next: last && rows.length === q.limit ? { ts: last.last_seen, id: last.last_event_id } : null,
    };
  }

  async get(
    projectId: string,
    sessionId: string,
    includeEvents: { limit: number } | null,
  ): Promise<SessionDetail> {
    const { db } = this.runtime;
    const session = await this.sessions.findById(db, projectId, sessionId, this.idleBefore());
    if (!session) throw new NotFoundError(`session "${sessionId}" not found`);
    const traces = await this.traces.list(db, {
      projectId,
      sessionId,
      limit: SESSION_TRACE_IDS_MAX,
    });
    const detail: SessionDetail = { session, trace_ids: traces.map((t) => t.trace_id) };
    if (includeEvents) {
      const newest = await this.runtime.events.list(db, {
        projectId,
        sessionId,
        limit: includeEvents.limit,
      });
      detail.events = newest.reverse().map((e) => ({ ...e, timestamp: e.ts }));
    }
    return detail;
  }
}
