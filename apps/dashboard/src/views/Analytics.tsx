/**
 * Analytics: the fleet over a time range, every figure computed by the server from its
 * rollups. KPIs with their change against the previous period of the same length, charts
 * of volume, error rate, per-agent load and latency percentiles, and the agent table.
 * The range lives in the URL; a relative range moves forward (and refetches) every 30 s.
 */
import { useMemo } from 'react';
import { useNavigate } from 'react-router';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  agentLabel,
  alignSeries,
  getAgents,
  getAnalytics,
  getSeries,
  STATUS_LABEL,
  type AgentRow,
  type SeriesMetric,
} from '../api/analytics';
import { api } from '../api/http';
import { Chart } from '../components/Chart';
import { DataTable, type Column } from '../components/DataTable';
import { QueryView } from '../components/QueryView';
import { Kpi, previousOf, TimeRangePicker, type TimeRange } from '../components/ui';
import { useUrlRange } from '../components/useUrlState';
import { change, fmtAgo, fmtInt, fmtMs, fmtPct, fmtTime, fmtUsd } from '../lib/format';
import type { AlertView } from '../lib/types';

/** Agents drawn in the per-agent bar chart. */
const TOP_AGENTS = 10;

const rangeKey = (r: TimeRange) => [r.from, r.to] as const;

function useSeries(metric: SeriesMetric, range: TimeRange) {
  return useQuery({
    queryKey: ['series', metric, ...rangeKey(range)],
    queryFn: () => getSeries({ metric, from: range.from, to: range.to }),
    placeholderData: keepPreviousData,
  });
}

export default function Analytics() {
  const [range, setRange, moveToNow] = useUrlRange('24h');
  const qc = useQueryClient();
  const previous = useMemo(() => previousOf(range), [range]);
  const navigate = useNavigate();

  const now = useQuery({
    queryKey: ['analytics', ...rangeKey(range)],
    queryFn: () => getAnalytics(range),
    placeholderData: keepPreviousData,
  });
  const before = useQuery({
    queryKey: ['analytics', ...rangeKey(previous)],
    queryFn: () => getAnalytics(previous),
    placeholderData: keepPreviousData,
  });
  const agents = useQuery({
    queryKey: ['agents', ...rangeKey(range), 'p95'],
    queryFn: () => getAgents(range, true),
    placeholderData: keepPreviousData,
  });
  const agentsBefore = useQuery({
    queryKey: ['agents', ...rangeKey(previous)],
    queryFn: () => getAgents(previous),
    placeholderData: keepPreviousData,
  });
  const firing = useQuery({
    queryKey: ['alerts', 'firing-count'],
    queryFn: () => api<AlertView[]>('/alerts', { status: 'firing', limit: 1000 }),
    refetchInterval: 30_000,
  });
  const events = useSeries('events', range);
  const errors = useSeries('errors', range);
  const errorRate = useSeries('error_rate', range);
  const p50 = useSeries('p50_response_time', range);
  const p95 = useSeries('p95_response_time', range);
  const p99 = useSeries('p99_response_time', range);

  const volumeData = useMemo(
    () => alignSeries([events.data, errors.data]),
    [events.data, errors.data],
  );
  const rateData = useMemo(() => alignSeries([errorRate.data]), [errorRate.data]);
  const latencyData = useMemo(
    () => alignSeries([p50.data, p95.data, p99.data]),
    [p50.data, p95.data, p99.data],
  );
  const top = useMemo(() => (agents.data ?? []).slice(0, TOP_AGENTS), [agents.data]);
  const byAgent = useMemo(
    () =>
      [top.map((_, i) => i), top.map((a) => a.events), top.map((a) => a.errors)] as [
        number[],
        number[],
        number[],
      ],
    [top],
  );
  // Short labels under the bars (the table below names them in full).
  const categories = useMemo(() => top.map((a) => clip(a.agent_id ?? a.app, 11)), [top]);

  const o = now.data?.overview;
  const b = before.data?.overview;
  const refreshing = now.isFetching || agents.isFetching || events.isFetching;

  return (
    <section aria-labelledby="analytics-title">
      <div className="row">
        <h1 id="analytics-title" className="grow">
          Analytics
        </h1>
        <span className="muted" role="status" aria-live="polite">
          {refreshing ? 'Refreshing…' : now.data ? `Updated ${fmtTime(now.data.generated_at)}` : ''}
          {range.preset !== 'custom' ? ' · auto-refresh 30 s' : ''}
        </span>
        <button
          type="button"
          className="btn"
          onClick={() => (range.preset === 'custom' ? void qc.invalidateQueries() : moveToNow())}
        >
          🔄 Refresh
        </button>
      </div>
      <div className="toolbar">
        <TimeRangePicker value={range} onChange={setRange} />
      </div>

      <QueryView q={now} what="analytics">
        {() => (
          <div className="kpis" data-testid="kpis">
            <Kpi
              label="Total events"
              value={<span data-testid="kpi-total-events">{fmtInt(o?.total_events)}</span>}
              delta={change(o?.total_events, b?.total_events)}
            />
            <Kpi
              label="Active agents"
              value={fmtInt(agents.data?.length)}
              delta={change(agents.data?.length, agentsBefore.data?.length)}
            />
            <Kpi
              label="Error rate"
              value={fmtPct(o?.error_rate)}
              delta={change(o?.error_rate, b?.error_rate)}
              goodWhenUp={false}
            />
            <Kpi
              label="Avg response time"
              value={fmtMs(o?.avg_response_time)}
              delta={change(o?.avg_response_time, b?.avg_response_time)}
              goodWhenUp={false}
            />
            <Kpi
              label="p95 response time"
              value={fmtMs(o?.p95_response_time)}
              delta={change(o?.p95_response_time, b?.p95_response_time)}
              goodWhenUp={false}
              hint="from the latency histograms (within 9 %), against the previous period"
            />
            <Kpi
              label="Active sessions"
              value={fmtInt(o?.active_sessions)}
              delta={change(o?.active_sessions, b?.active_sessions)}
            />
            <Kpi
              label="Firing alerts"
              value={firing.data ? fmtInt(firing.data.length) : firing.error ? '–' : '…'}
            />
          </div>
        )}
      </QueryView>

      <div className="chart-grid">
        <div className="panel">
          <h2>Event volume over time</h2>
          <QueryView
            q={{ ...events, data: events.data && volumeData }}
            what="event volume"
            isEmpty={(d) => d === null}
            empty="No events in this range."
          >
            {(d) => (
              <Chart
                title="Event volume"
                data={d!}
                series={[
                  { label: 'Events', bars: true, format: fmtInt },
                  { label: 'Errors', bars: true, format: fmtInt },
                ]}
              />
            )}
          </QueryView>
        </div>
        <div className="panel">
          <h2>Error rate over time</h2>
          <QueryView
            q={{ ...errorRate, data: errorRate.data && rateData }}
            what="error rate"
            isEmpty={(d) => d === null}
            empty="No events in this range."
          >
            {(d) => (
              <Chart
                title="Error rate"
                data={d!}
                series={[{ label: 'Error rate', format: (v) => fmtPct(v) }]}
                yFormat={(v) => fmtPct(v, v !== 0 && Math.abs(v) < 0.1 ? 1 : 0)}
                yRange={(_min, max) => [0, Math.max(max * 1.1, 0.01)]}
              />
            )}
          </QueryView>
        </div>
        <div className="panel">
          <h2>Events and errors by agent</h2>
          <QueryView
            q={agents}
            what="agents"
            isEmpty={(d) => d.length === 0}
            empty="No agents in this range."
          >
            {() => (
              <Chart
                title="Events and errors by agent"
                data={byAgent}
                categories={categories}
                series={[
                  { label: 'Events', bars: true, format: fmtInt },
                  { label: 'Errors', bars: true, format: fmtInt },
                ]}
              />
            )}
          </QueryView>
          {(agents.data?.length ?? 0) > TOP_AGENTS ? (
            <p className="muted">
              The {TOP_AGENTS} busiest of {fmtInt(agents.data?.length)} agents.
            </p>
          ) : null}
        </div>
        <div className="panel">
          <h2>Response time (p50, p95, p99)</h2>
          <QueryView
            q={{ ...p95, data: p95.data && latencyData }}
            what="response times"
            isEmpty={(d) =>
              d === null || d.slice(1).every((c) => Array.from(c).every((v) => v == null))
            }
            empty="No events with a duration in this range."
          >
            {(d) => (
              <Chart
                title="Response time percentiles"
                data={d!}
                series={[
                  { label: 'p50', format: fmtMs },
                  { label: 'p95', format: fmtMs },
                  { label: 'p99', format: fmtMs, dash: [4, 4] },
                ]}
                yFormat={(v) => (v === 0 ? '0' : fmtMs(v))}
              />
            )}
          </QueryView>
        </div>
      </div>

      <h2 id="agents-title">Agent performance</h2>
      <QueryView
        q={agents}
        what="agents"
        isEmpty={(d) => d.length === 0}
        empty="No agent sent events in this range."
      >
        {(rows) => (
          <div data-testid="agent-table">
            <DataTable
              caption="Agent performance"
              rows={rows}
              columns={AGENT_COLUMNS}
              rowKey={(r) => `${r.app}\u0000${r.agent_id ?? ''}`}
              initialSort={{ key: 'events', dir: 'desc' }}
              onRowClick={(r) => void navigate(`/sessions?app=${encodeURIComponent(r.app)}`)}
            />
          </div>
        )}
      </QueryView>
    </section>
  );
}

const AGENT_COLUMNS: Column<AgentRow>[] = [
  {
    key: 'agent',
    label: 'Agent',
    value: (r) => agentLabel(r),
    render: (r) => (
      <span data-testid="agent-name">
        {r.active ? <span title="sent events in the last 5 minutes">✨ </span> : null}
        {agentLabel(r)}
      </span>
    ),
  },
  { key: 'events', label: 'Events', numeric: true, render: (r) => fmtInt(r.events) },
  { key: 'errors', label: 'Errors', numeric: true, render: (r) => fmtInt(r.errors) },
  { key: 'error_rate', label: 'Error rate', numeric: true, render: (r) => fmtPct(r.error_rate) },
  {
    key: 'avg_response_time',
    label: 'Avg response',
    numeric: true,
    render: (r) => fmtMs(r.avg_response_time),
  },
  {
    key: 'p95_response_time',
    label: 'p95',
    numeric: true,
    render: (r) => fmtMs(r.p95_response_time),
  },
  { key: 'sessions', label: 'Sessions', numeric: true, render: (r) => fmtInt(r.sessions) },
  { key: 'cost_usd', label: 'Cost', numeric: true, render: (r) => fmtUsd(r.cost_usd) },
  {
    key: 'last_seen',
    label: 'Last seen',
    render: (r) => (r.last_seen ? fmtAgo(r.last_seen) : '–'),
  },
  {
    key: 'status',
    label: 'Status',
    value: (r) => ({ healthy: 0, warning: 1, critical: 2 })[r.status],
    render: (r) => <span className={`badge ${r.status}`}>{STATUS_LABEL[r.status]}</span>,
  },
];

const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
