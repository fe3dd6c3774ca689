/**
 * One session: its summary, its Claude Code chat transcript (the `chat` a Stop or
 * SubagentStop hook carries, kept in the event's attributes), its traces and its events.
 */
import { useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api } from '../api/http';
import { STATUS_ICON, type SessionDetail as Detail } from '../api/sessions';
import { ChatTranscript } from '../components/ChatTranscript';
import { QueryView } from '../components/QueryView';
import { Empty, ErrorBox, Kpi, Loading, AppBadge } from '../components/ui';
import { eventDetail, typeIcon } from '../lib/events';
import {
  fmtCompact,
  fmtDateTime,
  fmtInt,
  fmtMs,
  fmtTime,
  fmtUsd,
  SEVERITY_NAMES,
  shortModel,
} from '../lib/format';
import type { ApiEvent } from '../lib/types';

/** Newest events shown on the timeline. */
const TIMELINE_MAX = 500;

/** The transcript an event carries: `attributes.chat` (hook bodies), else `payload.chat`. */
function chatOf(e: ApiEvent): unknown[] | null {
  const fromAttrs = e.attributes?.['chat'];
  if (Array.isArray(fromAttrs)) return fromAttrs;
  const p = e.payload;
  if (typeof p === 'object' && p !== null && Array.isArray((p as { chat?: unknown }).chat))
    return (p as { chat: unknown[] }).chat;
  return null;
}

export default function SessionDetail() {
  const { id = '' } = useParams();
  const session = useQuery({
    queryKey: ['session', id],
    queryFn: () => api<Detail>(`/sessions/${encodeURIComponent(id)}`),
  });
  const stops = useQuery({
    queryKey: ['session-chat', id],
    queryFn: () =>
      api<ApiEvent[]>('/events', {
        session_id: id,
        event_type: 'Stop,SubagentStop',
        limit: 50,
      }),
  });
  const events = useQuery({
    queryKey: ['session-events', id],
    queryFn: () => api<ApiEvent[]>('/events', { session_id: id, limit: TIMELINE_MAX }),
  });

  const s = session.data?.session;
  return (
    <section aria-labelledby="session-title">
      <p>
        <Link to="/sessions">← Sessions</Link>
      </p>
      <h1 id="session-title">
        Session <span className="mono">{id}</span>
      </h1>
      <QueryView q={session} what="session">
        {() =>
          s ? (
            <>
              <div className="row" style={{ marginBottom: 12 }}>
                <AppBadge app={s.app} />
                {s.agent_type || s.agent_id ? (
                  <span className="badge">🤖 {s.agent_type ?? s.agent_id}</span>
                ) : null}
                {s.model ? <span className="badge">🧠 {shortModel(s.model)}</span> : null}
                <span className={`badge ${s.status === 'error' ? 'critical' : s.status}`}>
                  {STATUS_ICON[s.status] ?? ''} {s.status}
                </span>
                <span className="muted">
                  {fmtDateTime(s.first_seen)} → {fmtTime(s.last_seen)}
                </span>
              </div>
              {s.first_prompt ? (
                <p className="muted">
                  Prompt: <q>{s.first_prompt}</q>
                </p>
              ) : null}
              <div className="kpis">
                <Kpi label="Duration" value={fmtMs(s.duration_ms)} />
                <Kpi label="Events" value={fmtInt(s.events)} />
                <Kpi label="Tool calls" value={fmtInt(s.tool_calls)} />
                <Kpi label="Errors" value={fmtInt(s.errors)} />
                <Kpi
                  label="Tokens in / out"
                  value={`${fmtCompact(s.input_tokens)} / ${fmtCompact(s.output_tokens)}`}
                />
                <Kpi label="Cost" value={fmtUsd(s.cost_usd)} />
              </div>
              <div className="row">
                <strong>Traces:</strong>
                {session.data!.trace_ids.length === 0 ? (
                  <span className="muted">none</span>
                ) : (
                  session.data!.trace_ids.map((t) => (
                    <Link
                      key={t}
                      className="btn mono"
                      to={`/traces/${encodeURIComponent(t)}`}
                      aria-label={`Trace ${t}`}
                      title={t}
                    >
                      📏 {t.length > 28 ? `${t.slice(0, 27)}…` : t}
                    </Link>
                  ))
                )}
              </div>
            </>
          ) : null
        }
      </QueryView>

      <h2>Chat transcript</h2>
      <Transcripts q={stops} />

      <h2>Events</h2>
      <QueryView
        q={events}
        what="events"
        isEmpty={(d) => d.length === 0}
        empty="No events in this session."
      >
        {(rows) => <Timeline events={rows} />}
      </QueryView>
    </section>
  );
}

function Transcripts({
  q,
}: {
  q: { data: ApiEvent[] | undefined; error: unknown; isPending: boolean; refetch: () => unknown };
}) {
  // Newest first; the newest Stop holds the whole conversation of the main agent.
  const withChat = useMemo(
    () => (q.data ?? []).flatMap((e) => (chatOf(e) ? [{ e, chat: chatOf(e)! }] : [])),
    [q.data],
  );
  const [picked, setPicked] = useState<string | null>(null);
  if (q.data === undefined)
    return q.error ? (
      <ErrorBox error={q.error} retry={() => void q.refetch()} />
    ) : (
      <Loading what="transcript" />
    );
  if (withChat.length === 0)
    return (
      <Empty>
        No transcript: this session sent no Stop event with its chat (Claude Code hooks send it with{' '}
        <code>--add-chat</code>).
      </Empty>
    );
  const current =
    withChat.find((c) => c.e.id === picked) ??
    withChat.find((c) => c.e.event_type === 'Stop') ??
    withChat[0]!;
  return (
    <div className="panel">
      {withChat.length > 1 ? (
        <label>
          Transcript
          <select value={current.e.id} onChange={(e) => setPicked(e.target.value)}>
            {withChat.map((c) => (
              <option key={c.e.id} value={c.e.id}>
                {c.e.event_type}
                {c.e.agent_type ? ` (${c.e.agent_type})` : ''} at {fmtTime(c.e.ts)}: {c.chat.length}{' '}
                messages
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <ChatTranscript key={current.e.id} chat={current.chat} />
    </div>
  );
}

function Timeline({ events }: { events: ApiEvent[] }) {
  const ordered = useMemo(() => [...events].reverse(), [events]);
  return (
    <>
      {events.length >= TIMELINE_MAX ? (
        <p className="muted">The newest {TIMELINE_MAX} events.</p>
      ) : null}
      <ol className="event-timeline" aria-label="Session events">
        {ordered.map((e) => (
          <TimelineRow key={e.id} e={e} />
        ))}
      </ol>
    </>
  );
}

function TimelineRow({ e }: { e: ApiEvent }) {
  const detail = eventDetail(e);
  const chat = chatOf(e);
  const attrs = e.attributes
    ? Object.fromEntries(
        Object.entries(e.attributes).map(([k, v]) =>
          k === 'chat' && Array.isArray(v)
            ? [k, `(${v.length} entries: see the transcript)`]
            : [k, v],
        ),
      )
    : null;
  return (
    <li className={`timeline-row sev-row-${e.severity}`}>
      <details>
        <summary>
          <time className="muted mono" dateTime={e.ts}>
            {fmtTime(e.ts)}
          </time>{' '}
          <span aria-hidden="true">{typeIcon(e)}</span> <strong>{e.event_type}</strong>
          {e.tool_name ? <span className="badge">{e.tool_name}</span> : null}
          {e.severity >= 2 ? (
            <span className={`badge sev-${SEVERITY_NAMES[e.severity]}`}>
              {SEVERITY_NAMES[e.severity]}
            </span>
          ) : null}
          {e.duration_ms !== null ? <span className="muted"> {fmtMs(e.duration_ms)}</span> : null}
          {chat ? <span className="badge">💬 {chat.length} messages</span> : null}
          {detail ? <span className="detail"> {detail}</span> : null}
        </summary>
        <div className="timeline-body">
          {e.summary ? <p>{e.summary}</p> : null}
          {e.trace_id ? (
            <p>
              <Link to={`/traces/${encodeURIComponent(e.trace_id)}`}>Open trace {e.trace_id}</Link>
            </p>
          ) : null}
          <pre className="json">
            {JSON.stringify({ payload: e.payload, attributes: attrs }, null, 2)}
          </pre>
        </div>
      </details>
    </li>
  );
}
