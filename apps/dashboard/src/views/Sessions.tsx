/**
 * Sessions: the summaries the server keeps per session (counts, tokens, cost, status),
 * most recently active first. App, status and range go to the API; the search box narrows
 * the loaded page by id, agent, model and first prompt.
 */
import { useMemo } from 'react';
import { Link, useNavigate } from 'react-router';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../api/http';
import {
  appsOf,
  filterOptionsQuery,
  STATUS_ICON,
  type SessionStatus,
  type SessionSummary,
} from '../api/sessions';
import { DataTable, type Column } from '../components/DataTable';
import { QueryView } from '../components/QueryView';
import { TimeRangePicker, FilterSelect, AppBadge } from '../components/ui';
import { useUrlParam, useUrlRange } from '../components/useUrlState';
import { fmtAgo, fmtCompact, fmtInt, fmtMs, fmtUsd, shortModel } from '../lib/format';

const PAGE = 500;
const STATUSES: SessionStatus[] = ['active', 'idle', 'completed', 'error'];

export default function Sessions() {
  const [range, setRange] = useUrlRange('24h');
  const [app, setApp] = useUrlParam('app');
  const [status, setStatus] = useUrlParam('status');
  const [search, setSearch] = useUrlParam('q');
  const navigate = useNavigate();

  const options = useQuery(filterOptionsQuery);
  const sessions = useQuery({
    queryKey: ['sessions', range.from, range.to, app, status],
    queryFn: () =>
      api<SessionSummary[]>('/sessions', {
        start_time: range.from,
        end_time: range.to,
        app,
        status,
        limit: PAGE,
      }),
    placeholderData: keepPreviousData,
  });

  const visible = useMemo(() => {
    const rows = sessions.data ?? [];
    const needle = search.trim().toLowerCase();
    if (!needle) return rows;
    return rows.filter((s) =>
      [s.session_id, s.app, s.agent_id, s.agent_type, s.model, s.first_prompt]
        .filter(Boolean)
        .join(' ')
        .toLowerCase()
        .includes(needle),
    );
  }, [sessions.data, search]);

  return (
    <section aria-labelledby="sessions-title">
      <h1 id="sessions-title">Sessions</h1>
      <form className="toolbar" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <TimeRangePicker value={range} onChange={setRange} />
        <FilterSelect label="App" value={app} onChange={setApp} options={appsOf(options.data)} />
        <FilterSelect
          label="Status"
          value={status}
          onChange={setStatus}
          options={STATUSES}
          anyLabel="any"
        />
        <label className="grow">
          Search
          <input
            type="search"
            value={search}
            placeholder="session, agent, model, prompt"
            onChange={(e) => setSearch(e.target.value)}
          />
        </label>
      </form>
      <QueryView
        q={sessions}
        what="sessions"
        isEmpty={(d) => d.length === 0}
        empty="No sessions in this range."
      >
        {(rows) => (
          <>
            <p className="muted" role="status">
              {visible.length === rows.length
                ? `${fmtInt(rows.length)} sessions${rows.length === PAGE ? ' (the most recent)' : ''}`
                : `Showing ${fmtInt(visible.length)} of ${fmtInt(rows.length)} sessions`}
            </p>
            <DataTable
              caption="Sessions"
              rows={visible}
              columns={COLUMNS}
              rowKey={(s) => s.session_id}
              initialSort={{ key: 'last_seen', dir: 'desc' }}
              onRowClick={(s) => void navigate(`/sessions/${encodeURIComponent(s.session_id)}`)}
              empty="No session matches the search."
            />
          </>
        )}
      </QueryView>
    </section>
  );
}

const COLUMNS: Column<SessionSummary>[] = [
  {
    key: 'session_id',
    label: 'Session',
    render: (s) => (
      <Link
        className="mono"
        to={`/sessions/${encodeURIComponent(s.session_id)}`}
        onClick={(e) => e.stopPropagation()}
        title={s.session_id}
        aria-label={s.session_id}
      >
        {s.session_id.length > 14 ? `${s.session_id.slice(0, 13)}…` : s.session_id}
      </Link>
    ),
  },
  {
    key: 'app',
    label: 'App',
    render: (s) => <AppBadge app={s.app} />,
  },
  {
    key: 'agent',
    label: 'Agent',
    value: (s) => s.agent_type ?? s.agent_id,
    render: (s) => s.agent_type ?? s.agent_id ?? '–',
  },
  {
    key: 'status',
    label: 'Status',
    render: (s) => (
      <span className={`badge ${s.status === 'error' ? 'critical' : s.status}`}>
        {STATUS_ICON[s.status] ?? ''} {s.status}
      </span>
    ),
  },
  { key: 'model', label: 'Model', render: (s) => shortModel(s.model) ?? '–' },
  {
    key: 'last_seen',
    label: 'Last activity',
    render: (s) => <time dateTime={s.last_seen}>{fmtAgo(s.last_seen)}</time>,
  },
  { key: 'duration_ms', label: 'Duration', numeric: true, render: (s) => fmtMs(s.duration_ms) },
  { key: 'events', label: 'Events', numeric: true, render: (s) => fmtInt(s.events) },
  { key: 'tool_calls', label: 'Tools', numeric: true, render: (s) => fmtInt(s.tool_calls) },
  { key: 'errors', label: 'Errors', numeric: true, render: (s) => fmtInt(s.errors) },
  {
    key: 'tokens',
    label: 'Tokens',
    numeric: true,
    value: (s) => s.input_tokens + s.output_tokens,
    render: (s) => fmtCompact(s.input_tokens + s.output_tokens),
  },
  { key: 'cost_usd', label: 'Cost', numeric: true, render: (s) => fmtUsd(s.cost_usd) },
  {
    key: 'first_prompt',
    label: 'First prompt',
    render: (s) => (
      <span className="clip" title={s.first_prompt ?? undefined}>
        {s.first_prompt ?? '–'}
      </span>
    ),
  },
];
