import { Counter, Histogram, type Registry } from 'prom-client';
import type { DeliveryResult } from '@fleetscope/delivery';

/**
 * Delivery metrics, recorded once by the handler wrapper (`instrumentHandler`): the
 * processor stays free of metrics calls. Created before the worker registry exists, so they
 * are registered on it later (`registerOn`).
 */
export class DeliveryMetrics {
  /** outcome: delivered, retry, failed, dead, skipped, deferred, error (not_due, busy, final and missing are bookkeeping). */
  readonly deliveries = new Counter({
    name: 'fleetscope_webhook_deliveries_total',
    help: 'Notification delivery outcomes (one per processed attempt or decision)',
    labelNames: ['outcome'] as const,
    registers: [],
  });
  readonly seconds = new Histogram({
    name: 'fleetscope_webhook_delivery_duration_seconds',
    help: 'Time to process one delivery (the HTTP attempt and its bookkeeping)',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20],
    registers: [],
  });

  registerOn(registry: Registry): void {
    registry.registerMetric(this.deliveries);
    registry.registerMetric(this.seconds);
  }

  record(result: DeliveryResult, durationMs: number): void {
    switch (result.kind) {
      case 'delivered':
      case 'retry':
      case 'failed':
      case 'dead':
      case 'skipped':
      case 'deferred':
        this.deliveries.inc({ outcome: result.kind });
        this.seconds.observe(durationMs / 1000);
        break;
      default:
        break;
    }
  }
}
