/**
 * Live: the event stream of the fleet. Server-side filters (app, agent, session, type,
 * severity) go into the WebSocket subscription; text and regex search narrow on the page.
 * Newest events are at the bottom; the list follows them until the user scrolls up.
 */
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api } from '../api/http';
import { live, type LiveEvent } from '../api/live';
import { Chart } from '../components/Chart';
import { HitlCard, type HitlRequest } from '../components/HitlCard';
import { ErrorBox, FilterSelect, Tabs, AppBadge } from '../components/ui';
import { agentOf, eventDetail, makeMatcher, typeIcon } from '../lib/events';
import { colorOf, fmtInt, fmtMs, fmtTime, SEVERITY_NAMES, shortModel } from '../lib/format';
import type { ApiEvent, EventEnvelope, EventFilter } from '../lib/types';

/** Events kept in memory (the list shows the newest RENDERED of those that match). */
const KEEP = 2_000;
const RENDERED = 400;
/** How often new events reach the list (a 1,000 events/s stream is drawn 4 times a second). */
const FLUSH_MS = 250;
/** Scrolling up further than this from the bottom stops following new events. */
const DETACH_PX = 50;

const PULSE_RANGES = [
  { value: '1m', label: '1m', ms: 60_000 },
  { value: '3m', label: '3m', ms: 180_000 },
  { value: '5m', label: '5m', ms: 300_000 },
  { value: '10m', label: '10m', ms: 600_000 },
] as const;
type PulseRange = (typeof PULSE_RANGES)[number]['value'];
const PULSE_BARS = 60;

interface FilterForm {
  app: string;
  agent_id: string;
  session_id: string;
  event_type: string;
  severity: string;
}
const EMPTY_FORM: FilterForm = {
  app: '',
  agent_id: '',
  session_id: '',
  event_type: '',
  severity: '',
};

function toFilter(f: FilterForm): EventFilter {
  const out: EventFilter = {};
  if (f.app) out.app = f.app;
  if (f.agent_id) out.agent_id = f.agent_id;
  if (f.session_id) out.session_id = f.session_id;
  if (f.event_type) out.event_type = f.event_type;
  if (f.severity) out.severity = Number(f.severity);
  return out;
}

interface AgentInfo {
  id: string;
  app: string;
  first: number;
  last: number;
  /** Arrival times (ms) of its recent events, for the lane's pulse. */
  times: number[];
  events: number;
  tools: number;
  model: string | null;
}

interface FilterOptions {
  apps?: string[];
  source_apps?: string[];
  session_ids?: string[];
  event_types?: string[];
  hook_event_types?: string[];
  agent_ids?: string[];
}

export default function Live() {
  const [params, setParams] = useSearchParams();
  const [form, setForm] = useState<FilterForm>(() => ({
    ...EMPTY_FORM,
    ...Object.fromEntries(Object.keys(EMPTY_FORM).map((k) => [k, params.get(k) ?? ''])),
  }));
  const [search, setSearch] = useState('');
  const [regex, setRegex] = useState(false);
  const [paused, setPaused] = useState(false);
  const [events, setEvents] = useState<EventEnvelope[]>([]);
  const [missedWhilePaused, setMissed] = useState(0);
  const [lagged, setLagged] = useState(0);
  const [range, setRange] = useState<PulseRange>('1m');
  const [lanes, setLanes] = useState<string[]>([]);
  const [toasts, setToasts] = useState<{ id: string; text: string; color: string }[]>([]);
  const [, setTick] = useState(0);
  const [filtersOpen, setFiltersOpen] = useState(false);

  const filter = useMemo(() => toFilter(form), [form]);
  const filterKey = JSON.stringify(filter);
  const pending = useRef<LiveEvent[]>([]);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const arrivals = useRef<number[]>([]);
  const agents = useRef(new Map<string, AgentInfo>());
  const known = useRef(new Set<string>());

  const options = useQuery({
    queryKey: ['filter-options'],
    queryFn: () => api<FilterOptions>('/events/filter-options'),
    refetchInterval: 10_000,
  });

  // Subscribe first, then read the recent history: nothing falls between the two, and the
  // ids the stream repeats are skipped when merged.
  const history = useQuery({
    queryKey: ['live-history', filterKey],
    queryFn: () => api<ApiEvent[]>('/events', { ...flat(filter), limit: 300 }),
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  });

  useEffect(() => {
    pending.current = [];
    setEvents([]);
    return live.subscribe(
      { filter },
      {
        onEvents: (batch) => {
          const now = Date.now();
          for (const { event: e } of batch) {
            arrivals.current.push(now);
            noteAgent(e, now);
          }
          if (!pausedRef.current) pending.current.push(...batch);
          else setMissed((m) => m + batch.length);
        },
        onLagged: (n) => setLagged((x) => x + n),
      },
    );
  }, [filterKey]);

  function noteAgent(e: EventEnvelope, now: number) {
    const id = agentOf(e);
    let a = agents.current.get(id);
    if (!a) {
      a = { id, app: e.app, first: now, last: now, times: [], events: 0, tools: 0, model: null };
      agents.current.set(id, a);
      if (!known.current.has(id)) {
        known.current.add(id);
        if (known.current.size > 1 || agents.current.size > 1) {
          const toast = {
            id: `${id}-${now}`,
            text: `New agent "${id}" joined`,
            color: colorOf(e.app),
          };
          setToasts((t) => [...t.slice(-3), toast]);
          setTimeout(() => setToasts((t) => t.filter((x) => x.id !== toast.id)), 4_000);
        }
      }
    }
    a.last = now;
    a.events += 1;
    if (e.tool_name) a.tools += 1;
    if (e.model) a.model = e.model;
    a.times.push(now);
    if (a.times.length > 2_000) a.times.splice(0, a.times.length - 2_000);
  }

  // History arrives: it becomes the start of the list; the agents it names are not "new".
  useEffect(() => {
    if (!history.data) return;
    const older = [...history.data].reverse();
    for (const e of older) known.current.add(agentOf(e));
    setEvents((cur) => mergeById(older, cur));
  }, [history.data]);

  // New events reach the list in batches.
  useEffect(() => {
    const t = setInterval(() => {
      const cutoff = Date.now() - 600_000;
      const a = arrivals.current;
      let drop = 0;
      while (drop < a.length && (a[drop] ?? 0) < cutoff) drop++;
      if (drop) a.splice(0, drop);
      setTick((x) => x + 1);
      if (pending.current.length === 0) return;
      const batch = pending.current.map((l) => l.event);
      pending.current = [];
      setEvents((cur) => {
        const next = cur.concat(batch);
        return next.length > KEEP ? next.slice(next.length - KEEP) : next;
      });
    }, FLUSH_MS);
    return () => clearInterval(t);
  }, []);

  const matcher = useMemo(() => makeMatcher(search, regex), [search, regex]);
  const visible = useMemo(() => {
    if (matcher instanceof Error) return events.slice(-RENDERED);
    const out: EventEnvelope[] = [];
    for (let i = events.length - 1; i >= 0 && out.length < RENDERED; i--) {
      const e = events[i]!;
      if (matcher(e)) out.push(e);
    }
    return out.reverse();
  }, [events, matcher]);

  // Stick to the bottom until the user scrolls up.
  const listRef = useRef<HTMLOListElement>(null);
  const [stick, setStick] = useState(true);
  useLayoutEffect(() => {
    const el = listRef.current;
    if (el && stick) el.scrollTop = el.scrollHeight;
  }, [visible, stick]);
  const onScroll = useCallback(() => {
    const el = listRef.current;
    if (!el) return;
    const fromBottom = el.scrollHeight - el.scrollTop - el.clientHeight;
    setStick(fromBottom <= DETACH_PX);
  }, []);

  const set = (k: keyof FilterForm) => (value: string) => {
    const next = { ...form, [k]: value };
    setForm(next);
    const p = new URLSearchParams(params);
    if (value) p.set(k, value);
    else p.delete(k);
    setParams(p, { replace: true });
  };

  const opts = options.data ?? {};
  const apps = uniq([
    ...(opts.apps ?? opts.source_apps ?? []),
    ...[...agents.current.values()].map((a) => a.app),
  ]);
  const types = uniq([
    ...(opts.event_types ?? opts.hook_event_types ?? []),
    ...events.slice(-500).map((e) => e.event_type),
  ]);
  const sessions = uniq([
    ...(opts.session_ids ?? []),
    ...events.slice(-500).map((e) => e.session_id),
  ]).slice(0, 300);
  const agentIds = uniq([
    ...(opts.agent_ids ?? []),
    ...events.slice(-500).flatMap((e) => (e.agent_id ? [e.agent_id] : [])),
  ]);

  const rangeMs = PULSE_RANGES.find((r) => r.value === range)!.ms;
  const now = Date.now();
  const pulse = useMemo(() => buckets(arrivals.current, now, rangeMs), [now, rangeMs]);
  const activeAgents = [...agents.current.values()].filter((a) => now - a.last < rangeMs).length;
  const inWindow = pulse[1].reduce((s, v) => s + (v ?? 0), 0);

  const sharedId = params.get('event');
  const activeFilters = Object.values(form).filter(Boolean).length + (search ? 1 : 0);

  return (
    <section aria-labelledby="live-title">
      <div className="row">
        <h1 id="live-title" className="grow">
          Live
        </h1>
        <span className="badge" data-testid="event-count" title="events received on this page">
          {fmtInt(events.length)} events
        </span>
        <button
          type="button"
          className="btn"
          aria-pressed={paused}
          onClick={() => {
            if (paused) setMissed(0);
            setPaused(!paused);
          }}
        >
          {paused
            ? `▶ Resume${missedWhilePaused ? ` (${fmtInt(missedWhilePaused)} new)` : ''}`
            : '⏸ Pause'}
        </button>
        <button
          type="button"
          className="btn"
          onClick={() => {
            setEvents([]);
            agents.current.clear();
            setLanes([]);
          }}
        >
          Clear
        </button>
      </div>

      <PendingRequests />
      {sharedId ? (
        <SharedEvent
          id={sharedId}
          onClose={() => {
            const p = new URLSearchParams(params);
            p.delete('event');
            setParams(p);
          }}
        />
      ) : null}

      <button
        type="button"
        className="btn show-phone"
        aria-expanded={filtersOpen}
        aria-controls="live-filters"
        onClick={() => setFiltersOpen((o) => !o)}
      >
        Filters{activeFilters ? ` (${activeFilters})` : ''} {filtersOpen ? '▲' : '▼'}
      </button>
      <form
        id="live-filters"
        className={`live-controls${filtersOpen ? ' open' : ''}`}
        aria-label="Filters"
        onSubmit={(e) => e.preventDefault()}
      >
        <FilterSelect
          label="App"
          name="app"
          value={form.app}
          onChange={set('app')}
          options={apps}
        />
        <FilterSelect
          label="Agent"
          name="agent_id"
          value={form.agent_id}
          onChange={set('agent_id')}
          options={agentIds}
        />
        <FilterSelect
          label="Session"
          name="session_id"
          value={form.session_id}
          onChange={set('session_id')}
          options={sessions}
          format={(s) => s.slice(0, 12)}
        />
        <FilterSelect
          label="Event type"
          name="event_type"
          value={form.event_type}
          onChange={set('event_type')}
          options={types}
        />
        <FilterSelect
          label="Severity"
          name="severity"
          value={form.severity}
          onChange={set('severity')}
          options={[
            { value: '2', label: 'warn and above' },
            { value: '3', label: 'error and above' },
            { value: '4', label: 'fatal' },
          ]}
          anyLabel="any"
        />
        <label className="grow">
          Search
          <input
            type="search"
            name="search"
            value={search}
            placeholder={regex ? 'regular expression' : 'text'}
            onChange={(e) => setSearch(e.target.value)}
            aria-invalid={matcher instanceof Error}
          />
        </label>
        <label>
          Regex
          <input type="checkbox" checked={regex} onChange={(e) => setRegex(e.target.checked)} />
        </label>
        {Object.values(form).some(Boolean) || search ? (
          <button
            type="button"
            className="btn"
            onClick={() => {
              setForm(EMPTY_FORM);
              setSearch('');
              setParams(new URLSearchParams(), { replace: true });
            }}
          >
            Clear filters
          </button>
        ) : null}
      </form>
      {matcher instanceof Error ? (
        <p className="field-error" role="alert">
          Invalid regular expression: {matcher.message}
        </p>
      ) : null}
      {lagged ? (
        <p className="muted" role="status">
          The stream skipped {fmtInt(lagged)} events while this page was behind; it resumed from
          where it was.
        </p>
      ) : null}

      <div className="panel">
        <div className="row">
          <strong className="grow">📊 Live activity pulse</strong>
          <span className="badge" title="active agents">
            👥 {activeAgents}
          </span>
          <span className="badge" title="events in the window">
            ⚡ {fmtInt(inWindow)}
          </span>
          <Tabs label="Pulse range" value={range} options={PULSE_RANGES} onChange={setRange} />
        </div>
        <Chart
          title="Live activity pulse"
          data={pulse}
          series={[{ label: 'events', bars: true }]}
          height={110}
        />
      </div>

      <div className="agents-strip" role="group" aria-label="Agents">
        {[...agents.current.values()]
          .sort((a, b) => b.last - a.last)
          .slice(0, 40)
          .map((a) => {
            const active = now - a.last < rangeMs;
            return (
              <button
                key={a.id}
                type="button"
                className="agent-chip"
                style={{ color: colorOf(a.app, 40), borderColor: colorOf(a.app) }}
                aria-pressed={lanes.includes(a.id)}
                onClick={() =>
                  setLanes((l) => (l.includes(a.id) ? l.filter((x) => x !== a.id) : [...l, a.id]))
                }
                title={active ? 'active' : 'sleeping'}
              >
                {active ? '✨' : '😴'} {a.id}
              </button>
            );
          })}
      </div>
      {lanes.length ? (
        <div className="lanes">
          {lanes.map((id) => {
            const a = agents.current.get(id);
            if (!a) return null;
            const gaps =
              a.times.length > 1
                ? (a.times[a.times.length - 1]! - a.times[0]!) / (a.times.length - 1)
                : null;
            return (
              <div
                key={id}
                className="lane"
                style={{ borderColor: colorOf(a.app) }}
                aria-label={`Swim lane ${id}`}
              >
                <div className="row">
                  <strong className="grow">{id}</strong>
                  {a.model ? <span className="badge">🧠 {shortModel(a.model)}</span> : null}
                  <span className="badge">{fmtInt(a.events)} events</span>
                  <span className="badge">{fmtInt(a.tools)} tool calls</span>
                  <span className="badge">avg gap {fmtMs(gaps)}</span>
                  <button
                    type="button"
                    className="btn"
                    aria-label={`Close lane ${id}`}
                    onClick={() => setLanes((l) => l.filter((x) => x !== id))}
                  >
                    ✕
                  </button>
                </div>
                <Chart
                  title={`Pulse of ${id}`}
                  data={buckets(a.times, now, rangeMs)}
                  series={[{ label: 'events', bars: true, color: colorOf(a.app) }]}
                  height={80}
                />
              </div>
            );
          })}
        </div>
      ) : null}

      <h2>Agent event stream</h2>
      <ErrorBox error={history.error} retry={() => void history.refetch()} />
      <ol
        ref={listRef}
        className="event-list"
        aria-label="Live events"
        aria-live="off"
        onScroll={onScroll}
        data-testid="event-list"
      >
        {visible.length === 0 ? (
          <li className="empty">{history.isLoading ? 'Loading…' : 'No events to display'}</li>
        ) : null}
        {visible.map((e) => (
          <EventRow key={e.id} e={e} />
        ))}
      </ol>
      {!stick ? (
        <button type="button" className="btn primary stick-btn" onClick={() => setStick(true)}>
          ⬇ Follow new events
        </button>
      ) : null}

      <div className="toasts" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className="toast" style={{ borderLeftColor: t.color }}>
            <span>{t.text}</span>
            <button
              type="button"
              className="btn"
              aria-label="Dismiss"
              onClick={() => setToasts((x) => x.filter((y) => y.id !== t.id))}
            >
              ✕
            </button>
          </div>
        ))}
      </div>
    </section>
  );
}

const EventRow = memo(function EventRow({
  e,
  open: initiallyOpen = false,
}: {
  e: EventEnvelope;
  open?: boolean;
}) {
  const [open, setOpen] = useState(initiallyOpen);
  const [copied, setCopied] = useState<'ok' | 'fail' | null>(null);
  const detail = eventDetail(e);
  const copy = (text: string) =>
    navigator.clipboard
      .writeText(text)
      .then(
        () => setCopied('ok'),
        () => setCopied('fail'),
      )
      .finally(() => setTimeout(() => setCopied(null), 1500));
  const share = `${location.origin}/?event=${encodeURIComponent(e.id)}`;
  return (
    <li
      className={`event-row sev-row-${e.severity}`}
      style={{ borderLeftColor: colorOf(e.app) }}
      data-event-id={e.id}
    >
      <button type="button" className="expand" aria-expanded={open} onClick={() => setOpen(!open)}>
        <div className="head">
          <span aria-hidden="true">{typeIcon(e)}</span>
          <AppBadge app={e.app} />
          <span
            className="badge mono"
            style={{ borderColor: colorOf(e.session_id) }}
            title={e.session_id}
          >
            {e.session_id.slice(0, 8)}
          </span>
          <strong>{e.event_type}</strong>
          {e.tool_name ? <span className="badge">{e.tool_name}</span> : null}
          {e.model ? <span className="badge">🧠 {shortModel(e.model)}</span> : null}
          {e.severity >= 2 ? (
            <span className={`badge sev-${SEVERITY_NAMES[e.severity]}`}>
              {SEVERITY_NAMES[e.severity]}
            </span>
          ) : null}
          {e.duration_ms !== null ? <span className="muted">{fmtMs(e.duration_ms)}</span> : null}
          <time className="muted" dateTime={e.ts} style={{ marginLeft: 'auto' }}>
            {fmtTime(e.ts)}
          </time>
        </div>
        {detail ? <div className="detail">{detail}</div> : null}
        {e.summary ? <div>{e.summary}</div> : null}
      </button>
      {open ? (
        <div>
          <div className="row">
            <button
              type="button"
              className="btn"
              onClick={() => void copy(JSON.stringify(e.payload, null, 2))}
            >
              {copied === 'ok'
                ? '✅ Copied'
                : copied === 'fail'
                  ? '❌ Copy failed'
                  : '📋 Copy payload'}
            </button>
            <button type="button" className="btn" onClick={() => void copy(share)}>
              🔗 Copy link
            </button>
            <a className="btn" href={share}>
              Open
            </a>
            {e.trace_id ? (
              <Link className="btn" to={`/traces/${encodeURIComponent(e.trace_id)}`}>
                Trace
              </Link>
            ) : null}
            <Link className="btn" to={`/sessions/${encodeURIComponent(e.session_id)}`}>
              Session
            </Link>
          </div>
          <pre>{JSON.stringify(e.payload, null, 2)}</pre>
        </div>
      ) : null}
    </li>
  );
});

function SharedEvent({ id, onClose }: { id: string; onClose: () => void }) {
  const q = useQuery({
    queryKey: ['event', id],
    queryFn: () => api<ApiEvent>(`/events/${encodeURIComponent(id)}`),
  });
  return (
    <div className="panel" aria-label="Shared event" style={{ marginBottom: 12 }}>
      <div className="row">
        <strong className="grow">Shared event</strong>
        <button type="button" className="btn" onClick={onClose}>
          Close
        </button>
      </div>
      <ErrorBox error={q.error} />
      {q.data ? (
        <ol className="event-list" style={{ height: 'auto', contain: 'none' }}>
          <EventRow e={q.data} open />
        </ol>
      ) : null}
    </div>
  );
}

/** Agents waiting for an answer: their cards, answerable here (all of them on Requests). */
function PendingRequests() {
  const q = useQuery({
    queryKey: ['hitl', 'live-pending'],
    queryFn: () => api<HitlRequest[]>('/hitl/requests', { status: 'pending', limit: 20 }),
    refetchInterval: 5_000,
    retry: false,
  });
  const list = q.data ?? [];
  if (list.length === 0) return null;
  return (
    <section aria-label="Agents waiting for an answer" className="live-hitl">
      <p className="row">
        <strong className="grow">
          🙋 {list.length} agent{list.length === 1 ? ' is' : 's are'} waiting for an answer
        </strong>
        <Link to="/hitl">All requests</Link>
      </p>
      {list.slice(0, 3).map((r) => (
        <HitlCard key={r.id} request={r} />
      ))}
    </section>
  );
}

function mergeById(older: EventEnvelope[], current: EventEnvelope[]): EventEnvelope[] {
  const ids = new Set(current.map((e) => e.id));
  const out = older.filter((e) => !ids.has(e.id)).concat(current);
  return out.length > KEEP ? out.slice(out.length - KEEP) : out;
}

function buckets(times: number[], now: number, rangeMs: number): [number[], number[]] {
  const size = rangeMs / PULSE_BARS;
  const start = now - rangeMs;
  const xs: number[] = [];
  const ys = new Array<number>(PULSE_BARS).fill(0);
  for (let i = 0; i < PULSE_BARS; i++) xs.push((start + (i + 0.5) * size) / 1000);
  for (let i = times.length - 1; i >= 0; i--) {
    const t = times[i]!;
    if (t < start) break;
    const b = Math.min(PULSE_BARS - 1, Math.floor((t - start) / size));
    ys[b] = (ys[b] ?? 0) + 1;
  }
  return [xs, ys];
}

const uniq = (xs: string[]) => [...new Set(xs.filter(Boolean))].sort();

function flat(f: EventFilter): Record<string, string | number | undefined> {
  return {
    app: typeof f.app === 'string' ? f.app : f.app?.join(','),
    agent_id: f.agent_id,
    session_id: f.session_id,
    event_type: typeof f.event_type === 'string' ? f.event_type : f.event_type?.join(','),
    severity: f.severity,
  };
}
