import type { Severity } from '@fleetscope/domain';

/**
 * The fields of the canonical event envelope the windows read. An `EventEnvelope` is
 * assignable to it as is.
 */
export interface WindowInput {
  project_id: string;
  app: string;
  agent_id: string | null;
  session_id: string;
  /** Event time, ISO 8601 (`2026-01-02T03:04:05.678Z`). */
  ts: string;
  severity: Severity;
  status: string | null;
  duration_ms: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cost_usd: number | null;
}

/** Same rule as the SQL rollups: severity error/fatal, or an explicit error status. */
export function isErrorEvent(e: Pick<WindowInput, 'severity' | 'status'>): boolean {
  return e.severity >= 3 || e.status === 'error';
}
