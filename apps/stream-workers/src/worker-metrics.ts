import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PartitionBatch, PartitionBatchHandler } from '@fleetscope/kafka';
import type { BatchOutcome } from './event-batch.handler';

/** Worker metrics, recorded once by a wrapper around the batch handler. */
export class WorkerMetrics {
  readonly registry = new Registry();
  readonly messages = new Counter({
    name: 'fleetscope_worker_messages_total',
    help: 'Kafka messages handled, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly batches = new Counter({
    name: 'fleetscope_worker_batches_total',
    help: 'Partition batches handled, by result',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly batchSeconds = new Histogram({
    name: 'fleetscope_worker_batch_duration_seconds',
    help: 'Time to handle one partition batch (transaction included)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly ingestLag = new Histogram({
    name: 'fleetscope_ingest_lag_seconds',
    help: 'From Kafka append to database commit',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly assigned = new Gauge({
    name: 'fleetscope_worker_assigned_partitions',
    help: 'Partitions assigned to this worker',
    registers: [this.registry],
  });

  /** Read at scrape time from the stream analytics (set by the composition root). */
  lateEventsSource: () => number = () => 0;
  readonly lateEvents = new Gauge({
    name: 'fleetscope_late_events',
    help: 'Events behind the window watermark since start: stored and rolled up, not windowed',
    registers: [this.registry],
    collect: () => {
      this.lateEvents.set(this.lateEventsSource());
    },
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'fleetscope_worker_' });
  }

  record(o: BatchOutcome): void {
    this.messages.inc({ outcome: 'inserted' }, o.inserted);
    this.messages.inc(
      { outcome: 'duplicate' },
      o.consumed - o.skipped - o.inserted - o.deadLettered,
    );
    this.messages.inc({ outcome: 'skipped' }, o.skipped);
    this.messages.inc({ outcome: 'dead_lettered' }, o.deadLettered);
  }

  /** Wraps a handler: every batch is timed and counted; handlers stay free of metrics. */
  instrument(handler: PartitionBatchHandler): PartitionBatchHandler {
    return {
      loadOffsets: (topic, partitions) => handler.loadOffsets(topic, partitions),
      handle: async (topic: string, batches: PartitionBatch[]) => {
        const end = this.batchSeconds.startTimer();
        try {
          await handler.handle(topic, batches);
          this.batches.inc({ result: 'ok' });
          const now = Date.now();
          for (const b of batches) {
            for (const m of b.messages) {
              if (m.timestamp) this.ingestLag.observe((now - m.timestamp) / 1000);
            }
          }
        } catch (err) {
          this.batches.inc({ result: 'error' });
          throw err;
        } finally {
          end();
        }
      },
    };
  }
}

/** A small HTTP port: /health (liveness), /ready (assigned and connected), /metrics. */
export function startMetricsServer(
  host: string,
  port: number,
  metrics: WorkerMetrics,
  readiness: () => Promise<Record<string, boolean>>,
): Promise<Server> {
  const server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/health') {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ status: 'healthy' }));
      } else if (path === '/ready') {
        const checks = await readiness();
        const ok = Object.values(checks).every(Boolean);
        res
          .writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
          .end(JSON.stringify({ ready: ok, checks }));
      } else if (path === '/metrics') {
        res
          .writeHead(200, { 'content-type': metrics.registry.contentType })
          .end(await metrics.registry.metrics());
      } else {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: 'not_found' }));
      }
    })().catch(() => res.writeHead(500).end());
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}
