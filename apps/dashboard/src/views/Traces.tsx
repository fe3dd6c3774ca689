/**
 * Traces: one row per trace (SDK and OpenTelemetry traces, and every Claude Code session as
 * the derived trace `claude-code:<session>`), newest first, with its duration, span count
 * and errors. Filters go to the API; a row opens the waterfall.
 */
import { Link, useNavigate } from 'react-router';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../api/http';
import { appsOf, filterOptionsQuery, STATUS_ICON, type TraceRow } from '../api/sessions';
import { DataTable, type Column } from '../components/DataTable';
import { QueryView } from '../components/QueryView';
import { TimeRangePicker, FilterSelect, AppBadge } from '../components/ui';
import { useUrlParam, useUrlRange } from '../components/useUrlState';
import { fmtDateTime, fmtInt, fmtMs } from '../lib/format';

const PAGE = 500;

export default function Traces() {
  const [range, setRange] = useUrlRange('24h');
  const [app, setApp] = useUrlParam('app');
  const [status, setStatus] = useUrlParam('status');
  const [minMs, setMinMs] = useUrlParam('min_duration_ms');
  const navigate = useNavigate();

  const options = useQuery(filterOptionsQuery);
  const traces = useQuery({
    queryKey: ['traces', range.from, range.to, app, status, minMs],
    queryFn: () =>
      api<TraceRow[]>('/traces', {
        start_time: range.from,
        end_time: range.to,
        app,
        status,
        min_duration_ms: minMs,
        limit: PAGE,
      }),
    placeholderData: keepPreviousData,
  });

  return (
    <section aria-labelledby="traces-title">
      <h1 id="traces-title">Traces</h1>
      <form className="toolbar" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <TimeRangePicker value={range} onChange={setRange} />
        <FilterSelect label="App" value={app} onChange={setApp} options={appsOf(options.data)} />
        <FilterSelect
          label="Status"
          value={status}
          onChange={setStatus}
          options={['ok', 'error', 'unset']}
          anyLabel="any"
        />
        <label>
          Slower than
          <select value={minMs} onChange={(e) => setMinMs(e.target.value)}>
            <option value="">any duration</option>
            <option value="100">100 ms</option>
            <option value="1000">1 s</option>
            <option value="5000">5 s</option>
            <option value="30000">30 s</option>
            <option value="60000">1 min</option>
          </select>
        </label>
      </form>
      <QueryView
        q={traces}
        what="traces"
        isEmpty={(d) => d.length === 0}
        empty="No traces in this range."
      >
        {(rows) => (
          <>
            <p className="muted" role="status">
              {fmtInt(rows.length)} traces{rows.length === PAGE ? ' (the most recent)' : ''}
            </p>
            <DataTable
              caption="Traces"
              rows={rows}
              columns={COLUMNS}
              rowKey={(t) => t.trace_id}
              initialSort={{ key: 'start_time', dir: 'desc' }}
              onRowClick={(t) => void navigate(`/traces/${encodeURIComponent(t.trace_id)}`)}
            />
          </>
        )}
      </QueryView>
    </section>
  );
}

const COLUMNS: Column<TraceRow>[] = [
  {
    key: 'status',
    label: 'Status',
    render: (t) => (
      <span title={t.status}>
        <span aria-hidden="true">{STATUS_ICON[t.status]}</span>
        <span className="sr-only">{t.status}</span>
      </span>
    ),
  },
  {
    key: 'root_name',
    label: 'Operation',
    value: (t) => t.root_name ?? t.trace_id,
    render: (t) => (
      <Link
        to={`/traces/${encodeURIComponent(t.trace_id)}`}
        onClick={(e) => e.stopPropagation()}
        data-testid="trace-link"
        title={t.trace_id}
      >
        {clip(t.root_name ?? t.trace_id, 48)}
      </Link>
    ),
  },
  {
    key: 'app',
    label: 'App',
    render: (t) => <AppBadge app={t.app} />,
  },
  {
    key: 'kind',
    label: 'Kind',
    value: (t) => (t.derived ? 'claude' : 'trace'),
    render: (t) => (t.derived ? 'Claude Code' : 'trace'),
  },
  {
    key: 'start_time',
    label: 'Started',
    render: (t) => <time dateTime={t.start_time}>{fmtDateTime(t.start_time)}</time>,
  },
  { key: 'duration_ms', label: 'Duration', numeric: true, render: (t) => fmtMs(t.duration_ms) },
  { key: 'span_count', label: 'Spans', numeric: true, render: (t) => fmtInt(t.span_count) },
  { key: 'event_count', label: 'Events', numeric: true, render: (t) => fmtInt(t.event_count) },
  {
    key: 'error_count',
    label: 'Errors',
    numeric: true,
    render: (t) =>
      t.error_count ? <span className="text-bad">{fmtInt(t.error_count)}</span> : '0',
  },
  {
    key: 'session_id',
    label: 'Session',
    render: (t) => (
      <Link
        className="mono"
        to={`/sessions/${encodeURIComponent(t.session_id)}`}
        onClick={(e) => e.stopPropagation()}
      >
        {t.session_id.slice(0, 12)}
      </Link>
    ),
  },
];

const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
