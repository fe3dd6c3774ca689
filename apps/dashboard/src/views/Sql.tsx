/**
 * SQL console: one read-only SELECT over the project's analyst views (events, sessions,
 * traces, agent_stats_1m/1h/1d, anomalies, alert_rules, alert_instances, alert_events), sent
 * on the live WebSocket (`query`), or over POST /query while the socket is down. Results
 * as a sortable table and as CSV; saved queries on the server, history in this browser.
 */
import { useCallback, useMemo, useRef, useState, type ReactNode } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, del, post, put } from '../api/http';
import { live, type QueryResult } from '../api/live';
import { ConfirmButton } from '../components/ConfirmButton';
import { downloadText, toCsv } from '../components/csv';
import { DataTable, type Column } from '../components/DataTable';
import { ErrorBox } from '../components/ui';
import { fmtAgo, fmtInt, textOf } from '../lib/format';

const EXAMPLES: { name: string; sql: string }[] = [
  { name: 'Events per app', sql: 'select app, count(*) from events group by app order by 2 desc' },
  {
    name: 'Error rate by app, last hour',
    sql: `select app,
       count(*) as events,
       count(*) filter (where severity >= 3) as errors,
       round(100.0 * count(*) filter (where severity >= 3) / count(*), 1) as error_pct
  from events
 where ts > now() - interval '1 hour'
 group by app
 order by errors desc`,
  },
  {
    name: 'Slowest tools',
    sql: `select tool_name, count(*) as calls,
       round(avg(duration_ms)::numeric, 1) as avg_ms,
       max(duration_ms) as max_ms
  from events
 where tool_name is not null and duration_ms is not null
 group by tool_name
 order by avg_ms desc
 limit 20`,
  },
  {
    name: 'Tokens and cost by model, today',
    sql: `select model, sum(input_tokens) as input_tokens, sum(output_tokens) as output_tokens,
       round(sum(cost_usd)::numeric, 4) as cost_usd
  from events
 where model is not null and ts > date_trunc('day', now())
 group by model
 order by cost_usd desc nulls last`,
  },
  {
    name: 'Events per minute, last hour',
    sql: `select bucket, sum(events) as events, sum(errors) as errors
  from agent_stats_1m
 where bucket > now() - interval '1 hour'
 group by bucket
 order by bucket`,
  },
  {
    name: 'Busiest sessions',
    sql: `select session_id, app, events, tool_calls, first_seen, last_seen
  from sessions
 order by events desc
 limit 20`,
  },
  {
    name: 'Recent alerts',
    sql: `select rule_name, status, severity, value, started_at, resolved_at
  from alert_instances
 order by started_at desc
 limit 50`,
  },
];

const HISTORY_KEY = 'fleetscope.sqlHistory';
const HISTORY_MAX = 50;
/** Rows drawn in the table; the CSV has every row the server sent. */
const DISPLAY_MAX = 1_000;
const NUMERIC_TYPES =
  /^(smallint|integer|bigint|numeric|real|double precision|int2|int4|int8|float4|float8|decimal)/;

interface HistoryEntry {
  sql: string;
  at: number;
  ok: boolean;
  rows?: number;
  elapsed_ms?: number;
}

interface SavedQuery {
  id: string;
  name: string;
  sql: string;
  description: string | null;
  updated_at: string;
}

interface Outcome {
  sql: string;
  result: QueryResult;
  columns: { name: string; type?: string | undefined }[];
  via: 'websocket' | 'http';
}

function readHistory(): HistoryEntry[] {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(HISTORY_KEY) ?? '[]');
    return Array.isArray(v) ? (v as HistoryEntry[]).filter((h) => typeof h.sql === 'string') : [];
  } catch {
    return [];
  }
}

function pushHistory(list: HistoryEntry[], e: HistoryEntry): HistoryEntry[] {
  const next = [e, ...list.filter((h) => h.sql !== e.sql)].slice(0, HISTORY_MAX);
  try {
    localStorage.setItem(HISTORY_KEY, JSON.stringify(next));
  } catch {
    // Storage full or disabled: the history lives for this page only.
  }
  return next;
}

/** Runs on the WebSocket; over HTTP when the socket is not open. */
async function runSql(sql: string): Promise<{ result: QueryResult; via: Outcome['via'] }> {
  if (live.status === 'open') return { result: await live.query(sql), via: 'websocket' };
  return { result: await post<QueryResult>('/query', { sql }), via: 'http' };
}

function cell(v: unknown): ReactNode {
  if (v === null || v === undefined) return <span className="null">NULL</span>;
  if (typeof v === 'object') return <span className="mono">{JSON.stringify(v)}</span>;
  if (typeof v === 'boolean') return String(v);
  const s = textOf(v);
  return s.length > 200 ? <span title={s}>{s.slice(0, 199)}…</span> : s;
}

export default function Sql() {
  const [sql, setSql] = useState(EXAMPLES[0]!.sql);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [running, setRunning] = useState(false);
  const [history, setHistory] = useState<HistoryEntry[]>(readHistory);
  const [loaded, setLoaded] = useState<SavedQuery | null>(null);
  const editor = useRef<HTMLTextAreaElement>(null);

  const run = useCallback(async () => {
    const text = sql.trim();
    if (!text || running) return;
    setRunning(true);
    setError(null);
    try {
      const { result, via } = await runSql(text);
      const columns =
        result.columns && result.columns.length
          ? result.columns
          : Object.keys(result.rows[0] ?? {}).map((name) => ({ name }));
      setOutcome({ sql: text, result, columns, via });
      setHistory((h) =>
        pushHistory(h, {
          sql: text,
          at: Date.now(),
          ok: true,
          rows: result.rowCount ?? result.rows.length,
          ...(result.elapsed_ms !== undefined ? { elapsed_ms: result.elapsed_ms } : {}),
        }),
      );
    } catch (err) {
      setError(err);
      // Put the cursor where PostgreSQL says the statement went wrong.
      const at = errorPosition(err);
      if (at !== null && editor.current && text === editor.current.value) {
        editor.current.focus();
        editor.current.setSelectionRange(at - 1, at);
      }
      setHistory((h) => pushHistory(h, { sql: text, at: Date.now(), ok: false }));
    } finally {
      setRunning(false);
    }
  }, [sql, running]);

  const load = (text: string, saved: SavedQuery | null = null) => {
    setSql(text);
    setLoaded(saved);
    editor.current?.focus();
  };

  return (
    <section aria-labelledby="sql-title">
      <div className="row">
        <h1 id="sql-title" className="grow">
          SQL console
        </h1>
      </div>
      <div className="sql-layout">
        <div>
          <form
            className="panel"
            aria-label="Query"
            onSubmit={(e) => {
              e.preventDefault();
              void run();
            }}
          >
            <label htmlFor="sql-editor" className="sr-only">
              SQL
            </label>
            <textarea
              id="sql-editor"
              ref={editor}
              className="sql-editor"
              value={sql}
              spellCheck={false}
              autoCapitalize="off"
              autoCorrect="off"
              aria-describedby="sql-help"
              onChange={(e) => setSql(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                  e.preventDefault();
                  void run();
                }
              }}
            />
            <p id="sql-help" className="muted fine-print">
              One read-only SELECT. Tables: events, sessions, traces, agent_stats_1m / 1h / 1d,
              anomalies, alert_rules, alert_instances, alert_events. Ctrl+Enter (⌘+Enter) runs.
            </p>
            <div className="row">
              <button type="submit" className="btn primary" disabled={running || !sql.trim()}>
                {running ? 'Running…' : '▶ Run'}
              </button>
              <button
                type="button"
                className="btn"
                disabled={!outcome}
                onClick={() => {
                  if (!outcome) return;
                  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
                  downloadText(
                    `fleetscope-query-${stamp}.csv`,
                    toCsv(
                      outcome.columns.map((c) => c.name),
                      outcome.result.rows,
                    ),
                  );
                }}
              >
                ⬇ Export CSV
              </button>
              <SaveQuery sql={sql} loaded={loaded} onSaved={setLoaded} />
            </div>
          </form>
          <div aria-live="polite">
            {error ? (
              <div className="error-box" role="alert" data-testid="sql-error">
                <span>
                  {error instanceof ApiError && error.status === 401
                    ? 'Unauthorized: set an API key in Settings.'
                    : error instanceof Error
                      ? error.message
                      : JSON.stringify(error)}
                  {errorPosition(error) !== null ? ` (at character ${errorPosition(error)})` : ''}
                </span>
              </div>
            ) : null}
            {outcome ? <Results outcome={outcome} /> : null}
          </div>
        </div>
        <aside className="sql-side" aria-label="Queries">
          <div className="panel">
            <h2>Examples</h2>
            <ul>
              {EXAMPLES.map((x) => (
                <li key={x.name}>
                  <button type="button" className="link-btn" onClick={() => load(x.sql)}>
                    {x.name}
                  </button>
                </li>
              ))}
            </ul>
          </div>
          <SavedQueries onLoad={(q) => load(q.sql, q)} />
          <div className="panel">
            <div className="row">
              <h2 className="grow">History</h2>
              {history.length ? (
                <button
                  type="button"
                  className="btn"
                  onClick={() => {
                    localStorage.removeItem(HISTORY_KEY);
                    setHistory([]);
                  }}
                >
                  Clear
                </button>
              ) : null}
            </div>
            {history.length === 0 ? (
              <p className="muted fine-print">Queries you run are kept here, in this browser.</p>
            ) : (
              <ul aria-label="History">
                {history.map((h) => (
                  <li key={`${h.at}-${h.sql}`}>
                    <button
                      type="button"
                      className="link-btn mono fine-print"
                      title={h.sql}
                      onClick={() => load(h.sql)}
                    >
                      {h.ok ? '' : '⚠ '}
                      {h.sql.length > 80 ? `${h.sql.slice(0, 79)}…` : h.sql}
                    </button>
                    <div className="muted fine-print">
                      {fmtAgo(h.at)}
                      {h.rows !== undefined ? ` · ${fmtInt(h.rows)} rows` : ''}
                      {h.elapsed_ms !== undefined ? ` · ${h.elapsed_ms} ms` : ''}
                    </div>
                  </li>
                ))}
              </ul>
            )}
          </div>
        </aside>
      </div>
    </section>
  );
}

function Results({ outcome }: { outcome: Outcome }) {
  const { result, columns } = outcome;
  const rows = useMemo(
    () => result.rows.slice(0, DISPLAY_MAX).map((r, i) => ({ i, r })),
    [result.rows],
  );
  const cols: Column<{ i: number; r: Record<string, unknown> }>[] = useMemo(
    () =>
      columns.map((c, k) => {
        const numeric =
          (c.type !== undefined && NUMERIC_TYPES.test(c.type)) ||
          (c.type === undefined && typeof result.rows[0]?.[c.name] === 'number');
        return {
          // Keys stay unique when a statement repeats a column name.
          key: `${k}:${c.name}`,
          label: c.name,
          numeric,
          value: (x) => {
            const v = x.r[c.name];
            return typeof v === 'number' || typeof v === 'string'
              ? v
              : v === null || v === undefined
                ? null
                : JSON.stringify(v);
          },
          render: (x) => cell(x.r[c.name]),
        };
      }),
    [columns, result.rows],
  );
  const count = result.rowCount ?? result.rows.length;
  return (
    <div className="panel" style={{ marginTop: 12 }} data-testid="sql-results">
      <p className="result-meta muted" role="status" data-testid="sql-meta">
        {fmtInt(count)} row{count === 1 ? '' : 's'}
        {result.elapsed_ms !== undefined ? ` in ${result.elapsed_ms} ms` : ''}
        {outcome.via === 'http' ? ' (over HTTP: the live connection is down)' : ''}
        {result.truncated ? (
          <strong className="field-error">
            {' '}
            · truncated: more rows matched; only the first {fmtInt(result.rows.length)} were
            returned (add a LIMIT or aggregate).
          </strong>
        ) : null}
        {result.rows.length > DISPLAY_MAX
          ? ` · showing the first ${fmtInt(DISPLAY_MAX)}; the CSV has all ${fmtInt(result.rows.length)}`
          : ''}
      </p>
      {columns.length === 0 ? (
        <p className="muted">The statement returned no columns.</p>
      ) : (
        <DataTable
          rows={rows}
          columns={cols}
          rowKey={(x) => String(x.i)}
          caption="Query result"
          empty="No rows."
        />
      )}
    </div>
  );
}

function savedUnavailable(err: unknown): string | null {
  if (err instanceof ApiError && (err.status === 404 || err.status === 405)) {
    return `Saved queries are not available on this server (GET /queries answered ${err.status}: ${err.message}).`;
  }
  return null;
}

function SavedQueries({ onLoad }: { onLoad: (q: SavedQuery) => void }) {
  const qc = useQueryClient();
  const q = useQuery({
    queryKey: ['queries'],
    queryFn: () => api<SavedQuery[]>('/queries'),
    retry: (n, err) => !savedUnavailable(err) && n < 2,
  });
  const remove = useMutation({
    mutationFn: (id: string) => del<void>(`/queries/${encodeURIComponent(id)}`),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['queries'] }),
  });
  const unavailable = savedUnavailable(q.error);
  return (
    <div className="panel">
      <h2>Saved queries</h2>
      {unavailable ? (
        <p className="muted fine-print" role="status">
          {unavailable}
        </p>
      ) : (
        <ErrorBox error={q.error ?? remove.error} retry={() => void q.refetch()} />
      )}
      {q.isLoading ? <p className="muted fine-print">Loading…</p> : null}
      {q.data?.length === 0 ? (
        <p className="muted fine-print">None yet: “Save” keeps the editor’s query for the team.</p>
      ) : null}
      <ul aria-label="Saved queries">
        {(q.data ?? []).map((s) => (
          <li key={s.id} className="row">
            <button
              type="button"
              className="link-btn grow"
              title={s.description ?? s.sql}
              onClick={() => onLoad(s)}
            >
              {s.name}
            </button>
            <ConfirmButton
              label="Delete"
              danger
              question={`Delete ${s.name}?`}
              confirmLabel="Delete"
              onConfirm={() => remove.mutate(s.id)}
            />
          </li>
        ))}
      </ul>
    </div>
  );
}

function SaveQuery({
  sql,
  loaded,
  onSaved,
}: {
  sql: string;
  loaded: SavedQuery | null;
  onSaved: (q: SavedQuery) => void;
}) {
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const save = useMutation({
    mutationFn: (mode: 'create' | 'update') => {
      const body = {
        name: name.trim(),
        sql,
        ...(description.trim() ? { description: description.trim() } : {}),
      };
      return mode === 'update' && loaded
        ? put<SavedQuery>(`/queries/${encodeURIComponent(loaded.id)}`, body)
        : post<SavedQuery>('/queries', body);
    },
    onSuccess: (s) => {
      onSaved(s);
      setOpen(false);
      void qc.invalidateQueries({ queryKey: ['queries'] });
    },
  });
  const err = save.error instanceof ApiError ? save.error : null;
  if (!open) {
    return (
      <button
        type="button"
        className="btn"
        disabled={!sql.trim()}
        onClick={() => {
          setName(loaded?.name ?? '');
          setDescription(loaded?.description ?? '');
          save.reset();
          setOpen(true);
        }}
      >
        💾 Save…
      </button>
    );
  }
  return (
    <div className="row grow" role="group" aria-label="Save query">
      <label>
        Name
        <input
          value={name}
          autoFocus
          maxLength={200}
          aria-invalid={Boolean(err?.fieldReason('name'))}
          onChange={(e) => setName(e.target.value)}
          onKeyDown={(e) => {
            // Inside the query's form: Enter saves here instead of running the query.
            if (e.key !== 'Enter') return;
            e.preventDefault();
            if (name.trim()) save.mutate(loaded ? 'update' : 'create');
          }}
        />
        {err?.fieldReason('name') ? (
          <span className="field-error">{err.fieldReason('name')}</span>
        ) : null}
      </label>
      <label className="grow">
        Description
        <input
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') e.preventDefault();
          }}
        />
      </label>
      {loaded ? (
        <button
          type="button"
          className="btn primary"
          disabled={!name.trim() || save.isPending}
          onClick={() => save.mutate('update')}
        >
          Update “{loaded.name}”
        </button>
      ) : null}
      <button
        type="button"
        className={`btn ${loaded ? '' : 'primary'}`}
        disabled={!name.trim() || save.isPending}
        onClick={() => save.mutate('create')}
      >
        {loaded ? 'Save as new' : 'Save'}
      </button>
      <button type="button" className="btn" onClick={() => setOpen(false)}>
        Cancel
      </button>
      {save.error && !err?.fieldReason('name') ? (
        <span className="field-error" role="alert">
          {savedUnavailable(save.error) ??
            (save.error instanceof Error ? save.error.message : String(save.error))}
        </span>
      ) : null}
    </div>
  );
}

/** The 1-based character PostgreSQL's error points at (WebSocket or POST /query), if any. */
function errorPosition(err: unknown): number | null {
  if (err instanceof ApiError) {
    const p = (err.body as { details?: { position?: unknown } } | undefined)?.details?.position;
    return typeof p === 'number' ? p : null;
  }
  const p = (err as { position?: unknown } | null)?.position;
  return typeof p === 'number' ? p : null;
}
