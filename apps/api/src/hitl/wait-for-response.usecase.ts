import { Inject, Injectable } from '@nestjs/common';
import { HitlRequestsRepository } from '@fleetscope/db';
import type { HitlRequestView } from '@fleetscope/domain';
import { RUNTIME, type Runtime } from '../runtime/runtime';
import { HitlWaiters } from './hitl-waiters';

/** How often a wait re-reads the database (answers stored by another api instance). */
export const HITL_POLL_MS = 250;
/**
 * An unknown request is waited for at least this long before a 404: it may still be on its
 * way through Kafka to the worker that stores it.
 */
export const HITL_UNKNOWN_GRACE_MS = 3_000;

export type WaitOutcome =
  /** Answered, timed out or cancelled. */
  | { kind: 'final'; request: HitlRequestView }
  /** Still pending when the wait ended; also while not stored yet. */
  | { kind: 'pending'; id: string; expires_at: string | null }
  /** Not stored after the wait and the grace. */
  | { kind: 'missing' }
  /** The client went away. */
  | { kind: 'aborted' };

/**
 * GET /hitl/requests/:id/response?wait=: returns as soon as the request is answered (woken
 * by this process's answer at once, else by a database read every 250 ms), times out, or
 * the wait ends. An aborted signal (the client disconnected) ends the wait at once.
 */
@Injectable()
export class WaitForResponseUseCase {
  private readonly requests = new HitlRequestsRepository();

  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly waiters: HitlWaiters,
  ) {}

  async execute(
    projectId: string,
    id: string,
    waitMs: number,
    signal: AbortSignal,
  ): Promise<WaitOutcome> {
    const started = Date.now();
    const deadline = started + waitMs;
    const graceDeadline = started + Math.max(waitMs, HITL_UNKNOWN_GRACE_MS);
    for (;;) {
      if (signal.aborted) return { kind: 'aborted' };
      const request = await this.requests.get(this.runtime.db, projectId, id);
      if (request && request.status !== 'pending') return { kind: 'final', request };
      const now = Date.now();
      // A pending request is looked at again the moment it expires (it then reads as timeout).
      const end = request ? Math.min(deadline, Date.parse(request.expires_at) + 1) : graceDeadline;
      if (now >= end) {
        if (!request) return { kind: 'missing' };
        return Date.parse(request.expires_at) < now
          ? { kind: 'final', request: (await this.requests.get(this.runtime.db, projectId, id))! }
          : { kind: 'pending', id, expires_at: request.expires_at };
      }
      await this.waiters.next(projectId, id, Math.min(HITL_POLL_MS, end - now), signal);
    }
  }
}
