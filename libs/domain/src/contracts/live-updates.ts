/**
 * Derived live updates: what the stream workers (or the all-in-one process) publish besides
 * events — window statistics once per interval and anomaly transitions. In cluster mode they
 * travel on `fleetscope.live.v1` (key = project_id, JSON value) and every api replica fans
 * them out to its WebSocket subscribers of the `stats` and `anomalies` channels.
 */
import { z } from 'zod';
import type { LiveAlertUpdate } from '../alerting/alert';

export type SeriesLevel = 'project' | 'app' | 'agent' | 'session';

export interface SeriesRef {
  level: SeriesLevel;
  project_id: string;
  app?: string;
  agent_id?: string;
  session_id?: string;
}

export interface WindowStatsView {
  window: string;
  events: number;
  errors: number;
  error_rate: number;
  events_per_min: number;
  p50_ms: number | null;
  p95_ms: number | null;
  input_tokens: number;
  output_tokens: number;
  tokens_per_min: number;
  cost_usd: number;
  cost_per_min: number;
}

export interface SeriesStatsView {
  key: string;
  series: SeriesRef;
  last_event_ts: string | null;
  windows: WindowStatsView[];
}

export interface LiveStatsUpdate {
  type: 'stats';
  project_id: string;
  /** Which worker computed it (in cluster mode each covers its own partitions). */
  source: string;
  at: string;
  /** Windows end here: data up to this event time is complete (null right after start). */
  watermark: string | null;
  /** Events that arrived behind the watermark since the source started (stored, not windowed). */
  late_events: number;
  series: SeriesStatsView[];
}

export interface AnomalyView {
  id: string;
  project_id: string;
  series_key: string;
  level: string;
  app: string | null;
  agent_id: string | null;
  session_id: string | null;
  kind: string;
  metric: string;
  window: string;
  baseline: string;
  actual: number;
  expected: number;
  lower_bound: number;
  upper_bound: number;
  score: number;
  severity: string;
  status: 'open' | 'resolved';
  first_seen: string;
  last_seen: string;
  resolved_at: string | null;
}

export interface LiveAnomalyUpdate {
  type: 'anomaly';
  project_id: string;
  action: 'open' | 'update' | 'resolve';
  anomaly: AnomalyView;
}

export type LiveUpdate = LiveStatsUpdate | LiveAnomalyUpdate | LiveAlertUpdate;

/** Envelope-level check of a live.v1 message; the body is produced by our own workers. */
const liveUpdateSchema = z
  .object({ type: z.enum(['stats', 'anomaly', 'alert']), project_id: z.string().min(1) })
  .passthrough();

export function decodeLiveUpdate(value: Uint8Array | string | null): LiveUpdate | null {
  if (value === null) return null;
  try {
    const text = typeof value === 'string' ? value : new TextDecoder().decode(value);
    const r = liveUpdateSchema.safeParse(JSON.parse(text));
    return r.success ? (r.data as unknown as LiveUpdate) : null;
  } catch {
    return null;
  }
}

/** Channels a WebSocket subscription can ask for; `events` is the default. */
export const LIVE_CHANNELS = ['events', 'stats', 'anomalies', 'alerts'] as const;
export type LiveChannel = (typeof LIVE_CHANNELS)[number];
