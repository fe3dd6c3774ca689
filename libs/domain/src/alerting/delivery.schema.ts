/**
 * Delivery of notifications: the outbox row's states, the queue contract (name and job
 * payload) and the views the API returns.
 */
import { z } from 'zod';
import type { ChannelKind } from './channel.schema';
import type { AlertNotification } from './notification.schema';

/**
 * pending: waiting for its next attempt (`next_attempt_at`);
 * delivering: an attempt is in flight (leased until `locked_until`);
 * delivered: a 2xx; failed: a final refusal (4xx other than 408/429, 410, SSRF guard,
 * channel gone or disabled); dead: every attempt used up;
 * skipped: nothing to send (a resolve to a channel with send_resolved = false).
 */
export const DELIVERY_STATUSES = [
  'pending',
  'delivering',
  'delivered',
  'failed',
  'dead',
  'skipped',
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Statuses `POST /alerts/deliveries/:id/redeliver` accepts. */
export const REDELIVERABLE_STATUSES: readonly DeliveryStatus[] = ['failed', 'dead'];

/** The BullMQ queue of deliveries (prefixed by `REDIS_PREFIX` as a key namespace). */
export const DELIVERY_QUEUE = 'fleetscope-deliveries';

/** The job payload: only the id; the row in `webhook_deliveries` is the source of truth. */
export const deliveryJobSchema = z.object({ deliveryId: z.string().min(1).max(128) }).strict();
export type DeliveryJob = z.infer<typeof deliveryJobSchema>;

/**
 * What the alert evaluator calls after the transaction that wrote outbox rows commits. It
 * never throws: a lost poke only delays a delivery until the outbox relay's next sweep.
 */
export interface DeliveryNotifier {
  enqueue(deliveryIds: readonly string[]): Promise<void>;
}

export interface ChannelView {
  id: string;
  project_id: string;
  name: string;
  kind: ChannelKind;
  /** Extra header values and PagerDuty routing keys are masked. */
  config: Record<string, unknown>;
  send_resolved: boolean;
  enabled: boolean;
  /** Why the channel was disabled by delivery (a 410), or null. */
  disabled_reason: string | null;
  created_at: string;
  updated_at: string;
}

export interface DeliveryAttemptView {
  attempt: number;
  started_at: string;
  duration_ms: number;
  http_status: number | null;
  error: string | null;
  /** The first KiB of the response body. */
  response_excerpt: string | null;
}

export interface DeliveryView {
  id: string;
  project_id: string;
  alert_id: string | null;
  transition_id: string | null;
  channel_id: string;
  kind: 'alert' | 'test';
  status: DeliveryStatus;
  /** Attempts in the current cycle (a redeliver starts a new one). */
  attempts: number;
  max_attempts: number | null;
  next_attempt_at: string | null;
  last_status: number | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  delivered_at: string | null;
  payload: AlertNotification;
  attempts_log?: DeliveryAttemptView[];
}
