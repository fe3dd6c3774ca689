import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { HitlRequestsRepository } from '@fleetscope/db';
import {
  checkHitlAnswer,
  FleetscopeError,
  hitlAnswerSchema,
  hitlCreateSchema,
  hitlEventOf,
  hitlListQuerySchema,
  NotFoundError,
  ValidationError,
  type HitlRequestView,
} from '@fleetscope/domain';
import type { Principal } from '../auth/principal';
import { parseQueryOrThrow } from '../common/query-params';
import { IngestEventsUseCase } from '../ingest/ingest.usecase';
import { RUNTIME, type Runtime } from '../runtime/runtime';
import { HitlWaiters } from './hitl-waiters';

/** What `POST /hitl/requests` answers (202). */
export interface HitlCreated {
  id: string;
  status: 'pending';
  expires_at: string;
}

/**
 * HITL requests of the caller's project: create (through the normal ingest path), list,
 * read, answer, cancel. Answers are checked against the request's type and stored once.
 */
@Injectable()
export class HitlService {
  private readonly requests = new HitlRequestsRepository();

  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly ingest: IngestEventsUseCase,
    private readonly waiters: HitlWaiters,
  ) {}

  /**
   * The request travels as an event (stored, streamed live, counted in its session); the
   * worker opens the request. `expires_at` is from this moment; the stored one is from the
   * event's receive time, a few milliseconds later at most.
   */
  async create(principal: Principal, body: unknown): Promise<HitlCreated> {
    const c = parseQueryOrThrow(hitlCreateSchema, body ?? {});
    const id = randomUUID();
    const now = Date.now();
    await this.ingest.execute(principal, hitlEventOf(id, c), 'json');
    const timeoutS = c.timeout_s ?? 300;
    return { id, status: 'pending', expires_at: new Date(now + timeoutS * 1000).toISOString() };
  }

  async list(projectId: string, query: unknown): Promise<HitlRequestView[]> {
    const q = parseQueryOrThrow(hitlListQuerySchema, query ?? {});
    return this.requests.list(this.runtime.db, {
      projectId,
      status: q.status,
      sessionId: q.session_id,
      app: q.app,
      limit: q.limit,
    });
  }

  async get(projectId: string, id: string): Promise<HitlRequestView> {
    const r = await this.requests.get(this.runtime.db, projectId, id);
    if (!r) throw new NotFoundError(`no HITL request ${id}`);
    return r;
  }

  /**
   * Stores the answer: 400 naming the field when it does not fit the request's type, 404
   * for an unknown request, 409 once it was answered, timed out or cancelled. The server
   * sets `respondedAt`, and `respondedBy` to the API key's id when auth is on (the body's
   * `respondedBy` is only a display name for an unauthenticated deployment).
   */
  async respond(principal: Principal, id: string, body: unknown): Promise<HitlRequestView> {
    const a = parseQueryOrThrow(hitlAnswerSchema, body ?? {});
    const { db } = this.runtime;
    const projectId = principal.projectId;
    const request = await this.get(projectId, id);
    if (request.status !== 'pending') throw closed(request);
    const checked = checkHitlAnswer(request.type, request.choices, a);
    if (!checked.ok) {
      throw new ValidationError(`${checked.error.field}: ${checked.error.reason}`, [checked.error]);
    }
    const now = new Date();
    const respondedBy = principal.keyId ?? a.respondedBy ?? null;
    const stored = await this.requests.answer(
      db,
      projectId,
      id,
      { ...checked.answer, respondedAt: now.getTime(), respondedBy },
      now,
    );
    if ('reason' in stored) {
      if (stored.reason === 'missing') throw new NotFoundError(`no HITL request ${id}`);
      throw closed(stored.request);
    }
    this.waiters.notify(projectId, id);
    return stored;
  }

  /** The agent stopped waiting: a pending request becomes `cancelled` (409 otherwise). */
  async cancel(projectId: string, id: string): Promise<HitlRequestView> {
    const r = await this.requests.cancel(this.runtime.db, projectId, id, new Date());
    if ('reason' in r) {
      if (r.reason === 'missing') throw new NotFoundError(`no HITL request ${id}`);
      throw closed(r.request);
    }
    this.waiters.notify(projectId, id);
    return r;
  }
}

/** 409: the request is no longer waiting for an answer. */
function closed(r: HitlRequestView): FleetscopeError {
  const why =
    r.status === 'responded'
      ? `was already answered at ${r.responded_at}`
      : r.status === 'timeout'
        ? `timed out at ${r.expires_at}`
        : 'was cancelled';
  return new FleetscopeError(`HITL request ${r.id} ${why}`, {
    code: 'conflict',
    httpStatus: 409,
    details: { status: r.status },
  });
}
