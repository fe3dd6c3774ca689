/**
 * One trace as a waterfall: the server's nested span tree, one row per span indented by
 * depth, its bar placed by start and duration relative to the whole trace. Branches
 * collapse; error spans are red; a span's events (attributes, payload) open beside it.
 */
import { useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { getTrace, STATUS_ICON, type TraceDetail as Detail, type TraceSpan } from '../api/sessions';
import { QueryView } from '../components/QueryView';
import { Empty, Kpi, AppBadge } from '../components/ui';
import { typeIcon } from '../lib/events';
import { colorOf, fmtDateTime, fmtInt, fmtMs, fmtTime } from '../lib/format';
import type { ApiEvent } from '../lib/types';

interface Row {
  span: TraceSpan;
  depth: number;
  startMs: number;
  endMs: number;
}

function countSpans(spans: TraceSpan[]): number {
  let n = 0;
  for (const s of spans) n += 1 + countSpans(s.children);
  return n;
}

function flatten(spans: TraceSpan[], collapsed: Set<string>, depth = 0, out: Row[] = []): Row[] {
  for (const s of spans) {
    out.push({ span: s, depth, startMs: Date.parse(s.start), endMs: Date.parse(s.end) });
    if (!collapsed.has(s.span_id)) flatten(s.children, collapsed, depth + 1, out);
  }
  return out;
}

function bounds(spans: TraceSpan[]): { start: number; end: number } {
  let start = Infinity;
  let end = -Infinity;
  const walk = (list: TraceSpan[]) => {
    for (const s of list) {
      start = Math.min(start, Date.parse(s.start));
      end = Math.max(end, Date.parse(s.end));
      walk(s.children);
    }
  };
  walk(spans);
  return Number.isFinite(start) ? { start, end: Math.max(end, start) } : { start: 0, end: 0 };
}

export default function TraceDetail() {
  const { id = '' } = useParams();
  const trace = useQuery({ queryKey: ['trace', id], queryFn: () => getTrace(id) });
  return (
    <section aria-labelledby="trace-title">
      <p>
        <Link to="/traces">← Traces</Link>
      </p>
      <h1 id="trace-title">
        Trace <span className="mono">{id}</span>
      </h1>
      <QueryView
        q={trace}
        what="trace"
        isEmpty={(d) => d.spans.length === 0}
        empty="This trace has no spans."
      >
        {(d) => <TraceBody d={d} />}
      </QueryView>
    </section>
  );
}

function TraceBody({ d }: { d: Detail }) {
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const [selected, setSelected] = useState<string | null>(null);
  const { start, end } = useMemo(() => bounds(d.spans), [d.spans]);
  const total = Math.max(1, end - start);
  const rows = useMemo(() => flatten(d.spans, collapsed), [d.spans, collapsed]);
  const spanCount = useMemo(() => countSpans(d.spans), [d.spans]);
  const eventsById = useMemo(() => new Map(d.events.map((e) => [e.id, e])), [d.events]);
  const errors = useMemo(
    () => d.events.filter((e) => e.status === 'error' || e.severity >= 3).length,
    [d.events],
  );
  const selectedRow = useMemo(() => {
    const find = (list: TraceSpan[]): TraceSpan | null => {
      for (const s of list) {
        if (s.span_id === selected) return s;
        const c = find(s.children);
        if (c) return c;
      }
      return null;
    };
    return selected ? find(d.spans) : null;
  }, [d.spans, selected]);

  const toggle = (spanId: string) =>
    setCollapsed((cur) => {
      const next = new Set(cur);
      if (next.has(spanId)) next.delete(spanId);
      else next.add(spanId);
      return next;
    });
  const t = d.trace;

  return (
    <>
      {t ? (
        <div className="row" style={{ marginBottom: 12 }}>
          <AppBadge app={t.app} />
          <span
            className={`badge ${t.status === 'error' ? 'critical' : t.status === 'ok' ? 'ok' : ''}`}
          >
            {STATUS_ICON[t.status]} {t.status}
          </span>
          {t.derived ? <span className="badge">Claude Code session</span> : null}
          <span className="muted">{fmtDateTime(t.start_time)}</span>
          <Link to={`/sessions/${encodeURIComponent(t.session_id)}`}>
            Session <span className="mono">{t.session_id.slice(0, 12)}</span>
          </Link>
        </div>
      ) : null}
      <div className="kpis">
        <Kpi label="Duration" value={fmtMs(end - start)} />
        <Kpi label="Spans" value={<span data-testid="span-count">{fmtInt(spanCount)}</span>} />
        <Kpi label="Events" value={fmtInt(d.events.length)} />
        <Kpi label="Errors" value={fmtInt(t?.error_count ?? errors)} />
      </div>
      {d.truncated ? (
        <p className="muted" role="status">
          This trace is large: the tree is built from its first {fmtInt(d.events.length)} events.
        </p>
      ) : null}
      <div className="trace-layout">
        <div className="panel waterfall" aria-label="Span waterfall">
          <div className="row">
            <strong className="grow">Waterfall</strong>
            <button
              type="button"
              className="btn small"
              onClick={() =>
                setCollapsed(
                  collapsed.size
                    ? new Set()
                    : new Set(
                        rows.filter((r) => r.span.children.length).map((r) => r.span.span_id),
                      ),
                )
              }
            >
              {collapsed.size ? 'Expand all' : 'Collapse all'}
            </button>
          </div>
          <div className="wf-row wf-head" aria-hidden="true">
            <div className="wf-label">Span</div>
            <div className="wf-track wf-axis">
              {[0, 0.25, 0.5, 0.75, 1].map((f) => (
                <span key={f} style={{ left: `${f * 100}%` }}>
                  {f === 0 ? '0' : fmtMs(total * f)}
                </span>
              ))}
            </div>
          </div>
          <ul className="wf-list" aria-label={`${spanCount} spans`}>
            {rows.map((r) => (
              <SpanRow
                key={r.span.span_id}
                r={r}
                left={(r.startMs - start) / total}
                width={(r.endMs - r.startMs) / total}
                open={!collapsed.has(r.span.span_id)}
                selected={selected === r.span.span_id}
                onToggle={() => toggle(r.span.span_id)}
                onSelect={() =>
                  setSelected((cur) => (cur === r.span.span_id ? null : r.span.span_id))
                }
              />
            ))}
          </ul>
        </div>
        <aside className="panel span-detail" aria-label="Span details" aria-live="polite">
          {selectedRow ? (
            <SpanDetail
              span={selectedRow}
              offsetMs={Date.parse(selectedRow.start) - start}
              events={selectedRow.event_ids.flatMap((eid) => eventsById.get(eid) ?? [])}
            />
          ) : (
            <Empty>Select a span to see its events, attributes and payload.</Empty>
          )}
        </aside>
      </div>
    </>
  );
}

function SpanRow({
  r,
  left,
  width,
  open,
  selected,
  onToggle,
  onSelect,
}: {
  r: Row;
  left: number;
  width: number;
  open: boolean;
  selected: boolean;
  onToggle: () => void;
  onSelect: () => void;
}) {
  const s = r.span;
  const error = s.status === 'error';
  return (
    <li
      className={`wf-row${selected ? ' selected' : ''}${error ? ' error' : ''}`}
      data-testid="span-row"
      data-span-id={s.span_id}
    >
      <div className="wf-label" style={{ paddingLeft: 4 + r.depth * 14 }}>
        {s.children.length ? (
          <button
            type="button"
            className="wf-toggle"
            aria-expanded={open}
            aria-label={`${open ? 'Collapse' : 'Expand'} ${s.name} (${s.children.length} children)`}
            onClick={onToggle}
          >
            {open ? '▾' : '▸'}
          </button>
        ) : (
          <span className="wf-toggle" aria-hidden="true" />
        )}
        <button
          type="button"
          className="wf-name"
          aria-pressed={selected}
          onClick={onSelect}
          title={`${s.name} (${s.operation}, ${s.app})`}
        >
          {error ? <span aria-hidden="true">❌ </span> : null}
          {s.name}
          {error ? <span className="sr-only"> (error)</span> : null}
        </button>
      </div>
      <div className="wf-track" onClick={onSelect} aria-hidden="true">
        <span
          className="wf-bar"
          style={{
            left: `${left * 100}%`,
            width: `max(2px, ${width * 100}%)`,
            background: error ? undefined : colorOf(s.app),
          }}
        />
        <span
          className="wf-dur"
          style={
            left + width > 0.8
              ? { right: `${(1 - left) * 100}%` }
              : { left: `${(left + width) * 100}%` }
          }
        >
          {fmtMs(s.duration_ms)}
        </span>
      </div>
    </li>
  );
}

function SpanDetail({
  span,
  offsetMs,
  events,
}: {
  span: TraceSpan;
  offsetMs: number;
  events: ApiEvent[];
}) {
  return (
    <div data-testid="span-detail">
      <h2 style={{ marginTop: 0 }}>{span.name}</h2>
      <dl className="facts">
        <dt>Operation</dt>
        <dd>{span.operation}</dd>
        <dt>App</dt>
        <dd>{span.app}</dd>
        <dt>Status</dt>
        <dd>
          {STATUS_ICON[span.status]} {span.status}
        </dd>
        <dt>Starts at</dt>
        <dd>
          +{fmtMs(offsetMs)} ({fmtTime(span.start)})
        </dd>
        <dt>Duration</dt>
        <dd>{fmtMs(span.duration_ms)}</dd>
        <dt>Span id</dt>
        <dd className="mono">{span.span_id}</dd>
        <dt>Parent</dt>
        <dd className="mono">{span.parent_span_id ?? '–'}</dd>
      </dl>
      <h3>Events ({events.length})</h3>
      {events.map((e) => (
        <details key={e.id} className="span-event" open={events.length === 1}>
          <summary>
            <span aria-hidden="true">{typeIcon(e)}</span> <strong>{e.event_type}</strong>{' '}
            {e.tool_name ? <span className="badge">{e.tool_name}</span> : null}{' '}
            <span className="muted">{fmtTime(e.ts)}</span>
          </summary>
          <pre className="json">{JSON.stringify(eventFields(e), null, 2)}</pre>
        </details>
      ))}
    </div>
  );
}

/** What a span's event shows: the envelope minus the ids already on screen, chat folded. */
function eventFields(e: ApiEvent): Record<string, unknown> {
  const { project_id: _p, timestamp: _t, ...rest } = e;
  const attrs = e.attributes;
  if (attrs && Array.isArray(attrs['chat']))
    return { ...rest, attributes: { ...attrs, chat: `(${attrs['chat'].length} entries)` } };
  return rest;
}
