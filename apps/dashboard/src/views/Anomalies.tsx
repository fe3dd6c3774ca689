/**
 * Anomalies: what the detectors flagged (spikes, drops, error, latency, token and cost
 * bursts), open ones first. Each opens on its metric around the episode, per minute from
 * the rollups, with the expected range the detector used drawn as a band. New and resolved
 * anomalies arrive over the live connection.
 */
import { useEffect, useMemo, useState } from 'react';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import type { AlignedData } from 'uplot';
import { getSeries, type SeriesMetric } from '../api/analytics';
import { api } from '../api/http';
import { live } from '../api/live';
import { appsOf, filterOptionsQuery } from '../api/sessions';
import { Chart } from '../components/Chart';
import { QueryView } from '../components/QueryView';
import { TimeRangePicker, FilterSelect } from '../components/ui';
import { useUrlParam, useUrlRange } from '../components/useUrlState';
import { fmtAgo, fmtDateTime, fmtInt, fmtMs, fmtUsd } from '../lib/format';
import type { AnomalyView } from '../lib/types';

const KINDS: Record<string, { label: string; icon: string }> = {
  event_spike: { label: 'Event spike', icon: '📈' },
  event_drop: { label: 'Event drop', icon: '📉' },
  error_spike: { label: 'Error spike', icon: '🚨' },
  latency_spike: { label: 'Latency spike', icon: '🐢' },
  token_burn: { label: 'Token burn', icon: '🔥' },
  cost_burn: { label: 'Cost burn', icon: '💸' },
};

/** The detector's per-minute metric, as a /metrics/series metric at a 1-minute interval. */
const SERIES_OF: Record<string, SeriesMetric> = {
  events_per_min: 'events',
  errors_per_min: 'errors',
  p95_ms: 'p95_response_time',
  tokens_per_min: 'tokens',
  cost_usd_per_min: 'cost_usd',
};

function fmtMetric(metric: string, v: number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  if (metric === 'p95_ms') return fmtMs(v);
  if (metric === 'cost_usd_per_min') return `${fmtUsd(v)}/min`;
  return `${v < 10 ? v.toFixed(1) : fmtInt(v)}/min`;
}

/** Minutes shown before the episode and after its end. */
const BEFORE_MS = 30 * 60_000;
const AFTER_MS = 15 * 60_000;

export default function Anomalies() {
  const [range, setRange] = useUrlRange('7d');
  const [status, setStatus] = useUrlParam('status');
  const [kind, setKind] = useUrlParam('kind');
  const [app, setApp] = useUrlParam('app');
  const [open, setOpen] = useState<string | null>(null);
  const qc = useQueryClient();

  const options = useQuery(filterOptionsQuery);
  const anomalies = useQuery({
    queryKey: ['anomalies', range.from, range.to, status, kind, app],
    queryFn: () =>
      api<AnomalyView[]>('/anomalies', {
        start_time: range.from,
        end_time: range.to,
        status,
        kind,
        app,
        limit: 500,
      }),
    placeholderData: keepPreviousData,
  });

  useEffect(
    () =>
      live.subscribe(
        { channels: ['anomalies'] },
        {
          onMessage: (m) => {
            if (m.type === 'anomaly') void qc.invalidateQueries({ queryKey: ['anomalies'] });
          },
        },
      ),
    [qc],
  );

  const sorted = useMemo(
    () =>
      [...(anomalies.data ?? [])].sort(
        (a, b) =>
          (a.status === 'open' ? 0 : 1) - (b.status === 'open' ? 0 : 1) ||
          b.last_seen.localeCompare(a.last_seen),
      ),
    [anomalies.data],
  );
  const openCount = sorted.filter((a) => a.status === 'open').length;

  return (
    <section aria-labelledby="anomalies-title">
      <div className="row">
        <h1 id="anomalies-title" className="grow">
          Anomalies
        </h1>
        {anomalies.data ? (
          <span className={`badge ${openCount ? 'firing' : 'ok'}`} role="status">
            {openCount} open
          </span>
        ) : null}
      </div>
      <form className="toolbar" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <TimeRangePicker value={range} onChange={setRange} />
        <FilterSelect
          label="Status"
          value={status}
          onChange={setStatus}
          options={['open', 'resolved']}
          anyLabel="any"
        />
        <FilterSelect
          label="Kind"
          value={kind}
          onChange={setKind}
          options={Object.entries(KINDS).map(([k, v]) => ({ value: k, label: v.label }))}
          anyLabel="any"
        />
        <FilterSelect label="App" value={app} onChange={setApp} options={appsOf(options.data)} />
      </form>
      <QueryView
        q={anomalies}
        what="anomalies"
        isEmpty={(d) => d.length === 0}
        empty="No anomalies in this range. The detectors compare each minute with the last hour and with the same time on past days."
      >
        {() => (
          <ul className="anomaly-list">
            {sorted.map((a) => (
              <AnomalyItem
                key={a.id}
                a={a}
                open={open === a.id}
                onToggle={() => setOpen((cur) => (cur === a.id ? null : a.id))}
              />
            ))}
          </ul>
        )}
      </QueryView>
    </section>
  );
}

function AnomalyItem({
  a,
  open,
  onToggle,
}: {
  a: AnomalyView;
  open: boolean;
  onToggle: () => void;
}) {
  const k = KINDS[a.kind] ?? { label: a.kind, icon: '❓' };
  const who = [a.app, a.agent_id].filter(Boolean).join(' · ') || 'whole project';
  const panel = `anomaly-${a.id}`;
  return (
    <li className={`anomaly panel ${a.status}`}>
      <button
        type="button"
        className="anomaly-head"
        aria-expanded={open}
        aria-controls={panel}
        onClick={onToggle}
      >
        <span aria-hidden="true">{k.icon}</span>
        <strong>{k.label}</strong>
        <span className={`badge ${a.severity === 'warning' ? 'warning' : 'critical'}`}>
          {a.severity}
        </span>
        <span className={`badge ${a.status === 'open' ? 'firing' : 'resolved'}`}>{a.status}</span>
        <span>{who}</span>
        <span className="muted">
          {fmtMetric(a.metric, a.actual)} (expected {fmtMetric(a.metric, a.expected)})
        </span>
        <span className="muted grow-right">
          <time dateTime={a.first_seen} title={fmtDateTime(a.first_seen)}>
            {fmtAgo(a.first_seen)}
          </time>
        </span>
        <span aria-hidden="true">{open ? '▾' : '▸'}</span>
      </button>
      {open ? (
        <div id={panel}>
          <dl className="facts">
            <dt>Metric</dt>
            <dd>
              {a.metric} ({a.window} window, {a.baseline} baseline)
            </dd>
            <dt>Expected range</dt>
            <dd>
              {fmtMetric(a.metric, a.lower_bound)} – {fmtMetric(a.metric, a.upper_bound)}
            </dd>
            <dt>Score</dt>
            <dd>{a.score.toFixed(1)}</dd>
            <dt>Episode</dt>
            <dd>
              {fmtDateTime(a.first_seen)} → {a.resolved_at ? fmtDateTime(a.resolved_at) : 'ongoing'}
            </dd>
          </dl>
          <AnomalyChart a={a} />
        </div>
      ) : null}
    </li>
  );
}

function AnomalyChart({ a }: { a: AnomalyView }) {
  const metric = SERIES_OF[a.metric];
  const from = Date.parse(a.first_seen) - BEFORE_MS;
  const to = Math.min(Date.now(), Date.parse(a.resolved_at ?? a.last_seen) + AFTER_MS);
  const q = useQuery({
    queryKey: ['anomaly-series', a.id, metric, a.last_seen, a.resolved_at],
    queryFn: () =>
      getSeries({
        metric: metric!,
        from: new Date(from).toISOString(),
        to: new Date(Math.max(to, from + 60_000)).toISOString(),
        interval: '1m',
        app: a.level === 'project' ? null : a.app,
        agent_id: a.level === 'agent' || a.level === 'session' ? a.agent_id : null,
      }),
    enabled: metric !== undefined,
  });
  const data = useMemo((): AlignedData | null => {
    const pts = q.data?.series[0]?.points;
    if (!pts?.length) return null;
    const xs = pts.map((p) => Date.parse(p.time) / 1000);
    return [
      xs,
      pts.map((p) => p.value),
      pts.map(() => a.upper_bound),
      pts.map(() => a.lower_bound),
      pts.map(() => a.expected),
    ];
  }, [q.data, a.upper_bound, a.lower_bound, a.expected]);
  if (!metric) return <p className="muted">No chart for the metric {a.metric}.</p>;
  const fmt = (v: number) => fmtMetric(a.metric, v);
  return (
    <QueryView
      q={{ ...q, data: q.data && data }}
      what="series"
      isEmpty={(d) => d === null}
      empty="No data for this series around the anomaly (it may be past the rollups' retention)."
    >
      {(d) => (
        <Chart
          title={`${a.metric} around the anomaly`}
          data={d!}
          band={[2, 3]}
          series={[
            { label: 'Actual', format: fmt },
            { label: 'Upper bound', color: '#94a3b8', format: fmt },
            { label: 'Lower bound', color: '#94a3b8', format: fmt },
            { label: 'Expected', color: '#64748b', dash: [4, 4], format: fmt },
          ]}
          yFormat={(v) => (a.metric === 'p95_ms' ? fmtMs(v) : fmtInt(v))}
        />
      )}
    </QueryView>
  );
}
