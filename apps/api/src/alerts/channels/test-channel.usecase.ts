import { Inject, Injectable } from '@nestjs/common';
import { DeliveriesRepository } from '@fleetscope/db';
import {
  type DeliveryAttemptView,
  type DeliveryStatus,
  testNotification,
} from '@fleetscope/domain';
import { RUNTIME, type Runtime } from '../../runtime/runtime';
import { ChannelsService } from './channels.service';

export interface TestOutcome {
  delivery_id: string;
  /** delivered | failed | dead, or pending when no worker answered in time. */
  status: DeliveryStatus;
  http_status: number | null;
  error: string | null;
  attempt: DeliveryAttemptView | null;
}

const FINAL: readonly DeliveryStatus[] = ['delivered', 'failed', 'dead', 'skipped'];
const POLL_MS = 100;

/**
 * POST /alerts/channels/:id/test: a test notification through the real path (outbox row,
 * queue, worker, formatter, signature, HTTP), one attempt, and its outcome. Waits up to the
 * HTTP timeout plus a margin for a worker to take it.
 */
@Injectable()
export class TestChannelUseCase {
  private readonly deliveries = new DeliveriesRepository();

  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly channels: ChannelsService,
  ) {}

  async execute(projectId: string, channelId: string): Promise<TestOutcome> {
    const channel = await this.channels.record(projectId, channelId);
    const { db, config, delivery } = this.runtime;
    const id = await this.deliveries.enqueue(db, {
      projectId,
      alertId: null,
      transitionId: null,
      channelId: channel.id,
      payload: testNotification(channel.id, config.delivery.publicUrl, new Date()),
      kind: 'test',
      maxAttempts: 1,
    });
    await delivery.enqueue([id]);
    const deadline = Date.now() + config.delivery.timeoutMs + 5_000;
    let row = await this.deliveries.get(db, projectId, id);
    while (row && !FINAL.includes(row.status) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      row = await this.deliveries.get(db, projectId, id);
    }
    const attempts = (await this.deliveries.attempts(db, projectId, [id])).get(id) ?? [];
    return {
      delivery_id: id,
      status: row?.status ?? 'pending',
      http_status: row?.last_status ?? null,
      error: row?.last_error ?? null,
      attempt: attempts.at(-1) ?? null,
    };
  }
}
