/** Sessions, traces and the filter options, as the REST routes return them. */
import type { TraceSpan } from '@fleetscope/domain';
import type { ApiEvent } from '../lib/types';
import { api } from './http';

export type SessionStatus = 'active' | 'idle' | 'completed' | 'error';

export interface SessionSummary {
  session_id: string;
  app: string;
  agent_id: string | null;
  agent_type: string | null;
  model: string | null;
  provider: string | null;
  status: SessionStatus;
  first_seen: string;
  last_seen: string;
  duration_ms: number;
  last_event_type: string;
  events: number;
  tool_calls: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_creation_tokens: number;
  cost_usd: number;
  first_prompt: string | null;
}

export interface SessionDetail {
  session: SessionSummary;
  trace_ids: string[];
}

export type TraceStatus = 'ok' | 'error' | 'unset';

export interface TraceRow {
  trace_id: string;
  derived: boolean;
  root_span_id: string | null;
  root_name: string | null;
  app: string;
  session_id: string;
  start_time: string;
  end_time: string;
  duration_ms: number;
  status: TraceStatus;
  span_count: number;
  event_count: number;
  error_count: number;
}

export type { TraceSpan };

export interface TraceDetail {
  trace: TraceRow | null;
  events: ApiEvent[];
  spans: TraceSpan[];
  truncated: boolean;
}

export interface FilterOptions {
  apps?: string[];
  source_apps?: string[];
  agent_ids?: string[];
}

/** The apps the API knows, for filter menus (the same query the Live view reads). */
export const filterOptionsQuery = {
  queryKey: ['filter-options'],
  queryFn: () => api<FilterOptions>('/events/filter-options'),
  staleTime: 60_000,
};

export const appsOf = (o: FilterOptions | undefined): string[] =>
  [...new Set(o?.apps ?? o?.source_apps ?? [])].sort();

export const getTrace = (id: string) => api<TraceDetail>(`/traces/${encodeURIComponent(id)}`);

export const STATUS_ICON: Record<string, string> = {
  ok: '✅',
  error: '❌',
  unset: '⏳',
  active: '🟢',
  idle: '😴',
  completed: '🏁',
};
