import { Inject, Injectable } from '@nestjs/common';
import { DeliveriesRepository, type DeliveryRecord } from '@fleetscope/db';
import {
  type DeliveryAttemptView,
  type DeliveryStatus,
  type DeliveryView,
  FleetscopeError,
  NotFoundError,
  REDELIVERABLE_STATUSES,
} from '@fleetscope/domain';
import { RUNTIME, type Runtime } from '../../runtime/runtime';

export interface DeliveryListQuery {
  projectId: string;
  alertId?: string | undefined;
  channelId?: string | undefined;
  status?: DeliveryStatus[] | undefined;
  limit: number;
}

/** The delivery log of a project, and redelivery of what failed. */
@Injectable()
export class DeliveriesService {
  private readonly deliveries = new DeliveriesRepository();

  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  /** Newest first, each with its attempts. */
  async list(q: DeliveryListQuery): Promise<DeliveryView[]> {
    const rows = await this.deliveries.list(this.runtime.db, q);
    const attempts = await this.deliveries.attempts(
      this.runtime.db,
      q.projectId,
      rows.map((r) => r.id),
    );
    return rows.map((r) => toView(r, attempts.get(r.id) ?? []));
  }

  async get(projectId: string, id: string): Promise<DeliveryView> {
    const row = await this.deliveries.get(this.runtime.db, projectId, id);
    if (!row) throw new NotFoundError(`no delivery ${id}`);
    const attempts = await this.deliveries.attempts(this.runtime.db, projectId, [id]);
    return toView(row, attempts.get(id) ?? []);
  }

  /**
   * A new attempt cycle for a failed or dead delivery, with the same id (so the same
   * `webhook-id`: a receiver that did get it can tell). 409 for any other status.
   */
  async redeliver(projectId: string, id: string): Promise<DeliveryView> {
    const r = await this.deliveries.redeliver(this.runtime.db, projectId, id, new Date());
    if (!r) throw new NotFoundError(`no delivery ${id}`);
    if (!r.restarted) {
      throw new FleetscopeError(
        `delivery ${id} is ${r.row.status}; only ${REDELIVERABLE_STATUSES.join(' or ')} deliveries can be redelivered`,
        { code: 'conflict', httpStatus: 409 },
      );
    }
    await this.runtime.delivery.enqueue([id]);
    return this.get(projectId, id);
  }
}

function toView(r: DeliveryRecord, attempts: DeliveryAttemptView[]): DeliveryView {
  return {
    id: r.id,
    project_id: r.project_id,
    alert_id: r.alert_id,
    transition_id: r.transition_id,
    channel_id: r.channel_id,
    kind: r.kind,
    status: r.status,
    attempts: r.attempts,
    max_attempts: r.max_attempts,
    next_attempt_at: r.next_attempt_at,
    last_status: r.last_status,
    last_error: r.last_error,
    created_at: r.created_at,
    updated_at: r.updated_at,
    delivered_at: r.delivered_at,
    payload: r.payload,
    attempts_log: attempts,
  };
}
