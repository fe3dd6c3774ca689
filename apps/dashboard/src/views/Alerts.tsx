/**
 * Alerts: what is firing, pending, acknowledged or resolved, with the actions people take
 * (acknowledge, resolve, silence). `/alerts/:id` shows one alert's timeline and the
 * notifications sent for it. Live `alert` messages refresh the lists at once.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, del, post } from '../api/http';
import { live } from '../api/live';
import { AlertsNav } from '../components/AlertsNav';
import {
  alertLabels,
  alertTab,
  fmtAlertValue,
  groupText,
  type AlertDetail,
  type AlertRuleView,
  type AlertTab,
  type AlertView,
  type ChannelView,
  type DeliveryView,
  type SilenceMatcher,
  type SilenceView,
} from '../components/alerting-model';
import { ConfirmButton } from '../components/ConfirmButton';
import { DeliveryStatusBadge } from '../components/DeliveryStatusBadge';
import { Empty, ErrorBox, Loading, Tabs } from '../components/ui';
import { fmtAgo, fmtDateTime } from '../lib/format';

/** Refreshes every alerting query when the server says an alert changed. */
export function useLiveAlerts(): void {
  const qc = useQueryClient();
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = live.subscribe(
      { channels: ['alerts'] },
      {
        onMessage: (m) => {
          if (m.type !== 'alert') return;
          // A burst of transitions (one per group) is one refetch.
          clearTimeout(timer);
          timer = setTimeout(() => void qc.invalidateQueries({ queryKey: ['alerts'] }), 200);
        },
      },
    );
    return () => {
      clearTimeout(timer);
      unsubscribe();
    };
  }, [qc]);
}

export default function Alerts() {
  const { id } = useParams();
  useLiveAlerts();
  return (
    <section aria-labelledby="alerts-title">
      <div className="row">
        <h1 id="alerts-title" className="grow">
          {id ? 'Alert' : 'Alerts'}
        </h1>
      </div>
      <AlertsNav />
      {id ? <AlertDetailView id={id} /> : <AlertList />}
    </section>
  );
}

const TAB_LABELS: Record<AlertTab, string> = {
  firing: 'Firing',
  acknowledged: 'Acknowledged',
  pending: 'Pending',
  resolved: 'Resolved',
};
const TABS: AlertTab[] = ['firing', 'acknowledged', 'pending', 'resolved'];
const CLOSED_LIMIT = 200;

function useRulesById() {
  const rules = useQuery({
    queryKey: ['alerts', 'rules'],
    queryFn: () => api<AlertRuleView[]>('/alerts/rules'),
    staleTime: 30_000,
  });
  return useMemo(() => new Map((rules.data ?? []).map((r) => [r.id, r])), [rules.data]);
}

function AlertList() {
  const [params, setParams] = useSearchParams();
  const tab = (TABS as string[]).includes(params.get('tab') ?? '')
    ? (params.get('tab') as AlertTab)
    : 'firing';
  const open = useQuery({
    queryKey: ['alerts', 'list', 'open'],
    queryFn: () => api<AlertView[]>('/alerts', { status: 'pending,firing', limit: 1000 }),
    refetchInterval: 15_000,
  });
  const closed = useQuery({
    queryKey: ['alerts', 'list', 'closed'],
    queryFn: () =>
      api<AlertView[]>('/alerts', { status: 'resolved,cancelled', limit: CLOSED_LIMIT }),
    refetchInterval: 30_000,
  });
  const rules = useRulesById();

  const byTab = useMemo(() => {
    const out: Record<AlertTab, AlertView[]> = {
      firing: [],
      acknowledged: [],
      pending: [],
      resolved: [],
    };
    for (const a of [...(open.data ?? []), ...(closed.data ?? [])]) out[alertTab(a)].push(a);
    return out;
  }, [open.data, closed.data]);

  const count = (t: AlertTab) => {
    const n = byTab[t].length;
    return t === 'resolved' && n >= CLOSED_LIMIT ? `${n}+` : String(n);
  };
  const source = tab === 'resolved' ? closed : open;
  const rows = byTab[tab];
  const [note, setNote] = useState('');

  return (
    <>
      <Tabs
        label="Alert state"
        value={tab}
        options={TABS.map((t) => ({ value: t, label: `${TAB_LABELS[t]} (${count(t)})` }))}
        onChange={(t) => setParams(t === 'firing' ? {} : { tab: t }, { replace: true })}
      />
      <p className="ok-note" role="status" data-testid="alerts-note">
        {note}
      </p>
      <div role="tabpanel" aria-label={TAB_LABELS[tab]} className="alert-list">
        <ErrorBox error={source.error} retry={() => void source.refetch()} />
        {source.isLoading ? (
          <Loading what="alerts" />
        ) : source.data && rows.length === 0 ? (
          <Empty>
            {tab === 'firing'
              ? '✅ Nothing is firing.'
              : tab === 'acknowledged'
                ? 'No acknowledged alerts are firing.'
                : tab === 'pending'
                  ? 'No alert is waiting out its "for" period.'
                  : 'No resolved alerts yet.'}{' '}
            <Link to="/alerts/rules">Rules</Link> decide what fires.
          </Empty>
        ) : (
          rows.map((a) => (
            <AlertCard key={a.id} alert={a} rule={rules.get(a.rule_id)} onNote={setNote} />
          ))
        )}
      </div>
      <Silences />
    </>
  );
}

/** "50.0 % > 20.0 %", or "value 50.0 % (threshold 20.0 %)" when the rule is unknown. */
function ValueVsThreshold({ a, rule }: { a: AlertView; rule: AlertRuleView | undefined }) {
  if (a.condition === 'absence') return <span>no events for {rule?.window ?? 'the window'}</span>;
  const v = fmtAlertValue(a.condition, a.value);
  const t = fmtAlertValue(a.condition, a.threshold);
  return rule ? (
    <span title={`${a.condition} ${rule.operator} threshold`}>
      <strong>{v}</strong> {rule.operator} {t}
    </span>
  ) : (
    <span>
      <strong>{v}</strong> (threshold {t})
    </span>
  );
}

function AlertCard({
  alert: a,
  rule,
  detail = false,
  onNote,
}: {
  alert: AlertView;
  rule: AlertRuleView | undefined;
  detail?: boolean;
  /** Where to say what an action did (the list: the card itself moves to another tab). */
  onNote?: (text: string) => void;
}) {
  const qc = useQueryClient();
  const [silencing, setSilencing] = useState(false);
  const [localNote, setNote] = useState('');
  const act = useMutation({
    mutationFn: (action: 'ack' | 'resolve') =>
      post<AlertView>(`/alerts/${encodeURIComponent(a.id)}/${action}`, {}),
    onSuccess: (updated, action) => {
      const what = `${a.rule_name} (${groupText(a.group)})`;
      const text =
        action === 'ack'
          ? `Acknowledged ${what}${updated.acknowledged_by ? ` as ${updated.acknowledged_by}` : ''}.`
          : `Resolved ${what}.`;
      if (onNote) onNote(text);
      else setNote(text);
      void qc.invalidateQueries({ queryKey: ['alerts'] });
    },
  });
  const note = onNote ? '' : localNote;
  const tab = alertTab(a);
  const open = a.status === 'firing' || a.status === 'pending';
  const since = a.fired_at ?? a.started_at;
  const titleId = `alert-${a.id}-title`;
  return (
    <article
      className={`alert-card sev-border-${a.severity} state-${tab}`}
      aria-labelledby={titleId}
      data-alert-id={a.id}
      data-testid="alert-card"
    >
      <div className="row">
        <span className={`badge ${a.status}`}>
          {tab === 'acknowledged' ? 'acknowledged' : a.status}
        </span>
        <span className={`badge sev-${a.severity}`}>{a.severity}</span>
        <h2 id={titleId} className="alert-title grow">
          {detail ? (
            a.rule_name
          ) : (
            <Link to={`/alerts/${encodeURIComponent(a.id)}`}>{a.rule_name}</Link>
          )}
        </h2>
        <time className="muted" dateTime={since} title={fmtDateTime(since)}>
          {a.status === 'resolved' || a.status === 'cancelled'
            ? `ended ${fmtAgo(a.resolved_at ?? a.updated_at)}`
            : `since ${fmtAgo(since)}`}
        </time>
      </div>
      <div className="row alert-facts">
        <span className="badge mono" title="group">
          {groupText(a.group)}
        </span>
        <ValueVsThreshold a={a} rule={rule} />
        {a.acknowledged_at ? (
          <span className="muted">
            👀 acknowledged {a.acknowledged_by ? `by ${a.acknowledged_by} ` : ''}
            {fmtAgo(a.acknowledged_at)}
          </span>
        ) : null}
      </div>
      {a.annotations.summary ? <p className="alert-summary">{a.annotations.summary}</p> : null}
      {open ? (
        <div className="row actions">
          {a.status === 'firing' && !a.acknowledged_at ? (
            <button
              type="button"
              className="btn primary"
              disabled={act.isPending}
              onClick={() => act.mutate('ack')}
            >
              Acknowledge
            </button>
          ) : null}
          <ConfirmButton
            label="Resolve"
            question={`Resolve ${a.rule_name} (${groupText(a.group)})? It fires again if the condition still holds.`}
            disabled={act.isPending}
            onConfirm={() => act.mutate('resolve')}
          />
          <button
            type="button"
            className="btn"
            aria-expanded={silencing}
            onClick={() => setSilencing((s) => !s)}
          >
            🔕 Silence…
          </button>
        </div>
      ) : null}
      <ErrorBox error={act.error} />
      {note && !act.error ? (
        <p className="ok-note" role="status">
          {note}
        </p>
      ) : null}
      {silencing ? <SilenceForm alert={a} onClose={() => setSilencing(false)} /> : null}
    </article>
  );
}

type DurationChoice = '1h' | '4h' | '24h' | 'custom';

/** A silence for this alert's labels: who/why and for how long. */
function SilenceForm({ alert: a, onClose }: { alert: AlertView; onClose: () => void }) {
  const qc = useQueryClient();
  const labels = alertLabels(a);
  // By default the silence covers this rule and this group, not every alert of a severity.
  const defaults = new Set(['alertname', ...Object.keys(a.group)]);
  const [chosen, setChosen] = useState<Set<string>>(() => defaults);
  const [duration, setDuration] = useState<DurationChoice>('1h');
  const [custom, setCustom] = useState('');
  const [comment, setComment] = useState('');
  const [done, setDone] = useState<SilenceView | null>(null);
  const firstRef = useRef<HTMLSelectElement>(null);
  useEffect(() => firstRef.current?.focus(), []);

  const customOk = /^\d+(m|h|d)$/.test(custom.trim());
  const create = useMutation({
    mutationFn: () => {
      const matchers: SilenceMatcher[] = Object.entries(labels)
        .filter(([k]) => chosen.has(k))
        .map(([name, value]) => ({ name, value, op: '=' }));
      return post<SilenceView>('/alerts/silences', {
        matchers,
        duration: duration === 'custom' ? custom.trim() : duration,
        ...(comment.trim() ? { comment: comment.trim() } : {}),
      });
    },
    onSuccess: (s) => {
      setDone(s);
      void qc.invalidateQueries({ queryKey: ['alerts', 'silences'] });
    },
  });
  const err = create.error instanceof ApiError ? create.error : null;

  if (done) {
    return (
      <div className="panel silence-form" role="status">
        🔕 Silenced until {fmtDateTime(done.ends_at)}: notifications for{' '}
        <code>{done.matchers.map((m) => `${m.name}${m.op}${m.value}`).join(', ')}</code> are not
        sent.{' '}
        <button type="button" className="btn" onClick={onClose}>
          Close
        </button>
      </div>
    );
  }
  return (
    <form
      className="panel silence-form"
      aria-label={`Silence ${a.rule_name}`}
      onSubmit={(e) => {
        e.preventDefault();
        if (duration === 'custom' && !customOk) return;
        create.mutate();
      }}
    >
      <fieldset>
        <legend>Silence alerts matching</legend>
        <div className="row">
          {Object.entries(labels).map(([k, v]) => (
            <label key={k} className="check">
              <input
                type="checkbox"
                checked={chosen.has(k)}
                onChange={(e) => {
                  const next = new Set(chosen);
                  if (e.target.checked) next.add(k);
                  else next.delete(k);
                  setChosen(next);
                }}
              />
              <span className="mono">
                {k}={v}
              </span>
            </label>
          ))}
        </div>
        {err?.fieldReason('matchers') ? (
          <p className="field-error">{err.fieldReason('matchers')}</p>
        ) : null}
      </fieldset>
      <div className="row">
        <label>
          For
          <select
            ref={firstRef}
            value={duration}
            onChange={(e) => setDuration(e.target.value as DurationChoice)}
          >
            <option value="1h">1 hour</option>
            <option value="4h">4 hours</option>
            <option value="24h">24 hours</option>
            <option value="custom">Custom…</option>
          </select>
        </label>
        {duration === 'custom' ? (
          <label>
            Duration (30m, 2h, 7d)
            <input
              value={custom}
              onChange={(e) => setCustom(e.target.value)}
              placeholder="2h"
              aria-invalid={custom !== '' && !customOk}
              required
            />
            {custom !== '' && !customOk ? (
              <span className="field-error">a number and m, h or d: 30m, 2h, 7d</span>
            ) : null}
            {err?.fieldReason('duration') ? (
              <span className="field-error">{err.fieldReason('duration')}</span>
            ) : null}
          </label>
        ) : null}
        <label className="grow">
          Comment
          <input
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            placeholder="why (maintenance, known issue…)"
            maxLength={2000}
          />
        </label>
      </div>
      <ErrorBox error={create.error} />
      <div className="row">
        <button
          type="submit"
          className="btn primary"
          disabled={create.isPending || chosen.size === 0}
        >
          {create.isPending ? 'Silencing…' : '🔕 Create silence'}
        </button>
        <button type="button" className="btn" onClick={onClose}>
          Cancel
        </button>
        {chosen.size === 0 ? <span className="field-error">choose at least one label</span> : null}
      </div>
    </form>
  );
}

function Silences() {
  const qc = useQueryClient();
  const q = useQuery({
    queryKey: ['alerts', 'silences'],
    queryFn: () => api<SilenceView[]>('/alerts/silences'),
  });
  const end = useMutation({
    mutationFn: (id: string) => del<void>(`/alerts/silences/${encodeURIComponent(id)}`),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['alerts', 'silences'] }),
  });
  if (!q.data?.length && !q.error) return null;
  return (
    <section aria-labelledby="silences-title" className="panel" style={{ marginTop: 16 }}>
      <h2 id="silences-title">🔕 Silences</h2>
      <ErrorBox error={q.error ?? end.error} retry={() => void q.refetch()} />
      <ul className="plain-list">
        {(q.data ?? []).map((s) => (
          <li key={s.id} className="row">
            <span className={`badge ${s.state === 'active' ? 'pending' : ''}`}>{s.state}</span>
            <code className="grow">
              {s.matchers.map((m) => `${m.name}${m.op}${m.value}`).join(', ')}
            </code>
            <span className="muted">until {fmtDateTime(s.ends_at)}</span>
            {s.comment ? <span className="muted">“{s.comment}”</span> : null}
            <ConfirmButton
              label="End"
              question="End this silence now?"
              onConfirm={() => end.mutate(s.id)}
            />
          </li>
        ))}
      </ul>
    </section>
  );
}

function AlertDetailView({ id }: { id: string }) {
  const alert = useQuery({
    queryKey: ['alerts', 'detail', id],
    queryFn: () => api<AlertDetail>(`/alerts/${encodeURIComponent(id)}`),
  });
  const deliveries = useQuery({
    queryKey: ['alerts', 'deliveries', { alert_id: id }],
    queryFn: () => api<DeliveryView[]>('/alerts/deliveries', { alert_id: id, limit: 200 }),
  });
  const channels = useQuery({
    queryKey: ['alerts', 'channels'],
    queryFn: () => api<ChannelView[]>('/alerts/channels'),
  });
  const rules = useRulesById();
  const channelName = (cid: string) => channels.data?.find((c) => c.id === cid)?.name ?? cid;

  if (alert.isLoading) return <Loading what="alert" />;
  if (alert.error || !alert.data) {
    return (
      <>
        <ErrorBox error={alert.error ?? 'not found'} retry={() => void alert.refetch()} />
        <Link to="/alerts">← All alerts</Link>
      </>
    );
  }
  const a = alert.data;
  const rule = rules.get(a.rule_id);
  const extraAnnotations = Object.entries(a.annotations).filter(([k]) => k !== 'summary');
  return (
    <div className="alert-detail">
      <p>
        <Link to="/alerts">← All alerts</Link>
      </p>
      <AlertCard alert={a} rule={rule} detail />
      <div className="grid-2" style={{ marginTop: 12 }}>
        <section className="panel" aria-labelledby="facts-title">
          <h2 id="facts-title">Details</h2>
          <dl className="facts">
            <dt>Rule</dt>
            <dd>
              <Link to={`/alerts/rules/${encodeURIComponent(a.rule_id)}`}>{a.rule_name}</Link>
              {rule ? <span className="muted"> ({rule.condition})</span> : null}
            </dd>
            <dt>Started</dt>
            <dd>{fmtDateTime(a.started_at)}</dd>
            {a.fired_at ? (
              <>
                <dt>Fired</dt>
                <dd>{fmtDateTime(a.fired_at)}</dd>
              </>
            ) : null}
            {a.resolved_at ? (
              <>
                <dt>Ended</dt>
                <dd>{fmtDateTime(a.resolved_at)}</dd>
              </>
            ) : null}
            <dt>Labels</dt>
            <dd className="mono">
              {Object.entries(alertLabels(a))
                .map(([k, v]) => `${k}=${v}`)
                .join(' ')}
            </dd>
            {extraAnnotations.map(([k, v]) => (
              <div key={k} className="contents">
                <dt>{k}</dt>
                <dd>
                  {/^https?:\/\//.test(v) ? (
                    <a href={v} rel="noreferrer noopener" target="_blank">
                      {v}
                    </a>
                  ) : (
                    v
                  )}
                </dd>
              </div>
            ))}
          </dl>
        </section>
        <section className="panel" aria-labelledby="timeline-title">
          <h2 id="timeline-title">Timeline</h2>
          {a.timeline?.length ? (
            <ol className="alert-timeline">
              {a.timeline.map((t, i) => (
                <li key={`${t.at}-${i}`} className={`tl-${t.action}`}>
                  <time dateTime={t.at}>{fmtDateTime(t.at)}</time> <strong>{t.action}</strong>
                  {t.value !== null ? (
                    <span className="muted"> value {fmtAlertValue(a.condition, t.value)}</span>
                  ) : null}
                  {t.actor ? <span className="muted"> by {t.actor}</span> : null}
                  {t.note ? <div className="muted">“{t.note}”</div> : null}
                </li>
              ))}
            </ol>
          ) : (
            <Empty>No transitions recorded.</Empty>
          )}
        </section>
      </div>
      <section className="panel" aria-labelledby="notif-title" style={{ marginTop: 12 }}>
        <div className="row">
          <h2 id="notif-title" className="grow">
            Notifications
          </h2>
          <Link className="btn" to={`/alerts/deliveries?alert_id=${encodeURIComponent(a.id)}`}>
            Open in delivery log
          </Link>
        </div>
        <ErrorBox error={deliveries.error} retry={() => void deliveries.refetch()} />
        {deliveries.isLoading ? (
          <Loading what="deliveries" />
        ) : deliveries.data?.length ? (
          <ul className="plain-list">
            {deliveries.data.map((d) => (
              <li key={d.id} className="row">
                <DeliveryStatusBadge status={d.status} />
                <span>{d.payload.alert.status}</span>
                <span className="grow">→ {channelName(d.channel_id)}</span>
                <span className="muted">
                  {d.attempts} attempt{d.attempts === 1 ? '' : 's'}
                  {d.last_error ? `, ${d.last_error}` : ''}
                </span>
                <time className="muted" dateTime={d.created_at}>
                  {fmtDateTime(d.created_at)}
                </time>
              </li>
            ))}
          </ul>
        ) : (
          <Empty>
            No notifications were sent for this alert (no channel, silenced, or not fired).
          </Empty>
        )}
      </section>
    </div>
  );
}
