/**
 * The delivery log: every notification (and test) sent to a channel, its attempts, the last
 * error and the next retry; failed and dead ones can be sent again.
 */
import { Fragment, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, post } from '../api/http';
import { AlertsNav } from '../components/AlertsNav';
import {
  DELIVERY_STATUSES,
  REDELIVERABLE,
  type ChannelView,
  type DeliveryView,
} from '../components/alerting-model';
import { DeliveryStatusBadge } from '../components/DeliveryStatusBadge';
import { Empty, ErrorBox, Loading } from '../components/ui';
import { fmtAgo, fmtDateTime, fmtMs } from '../lib/format';

const FILTERS = ['status', 'channel_id', 'alert_id'] as const;

export default function Deliveries() {
  const qc = useQueryClient();
  const [params, setParams] = useSearchParams();
  const filter = Object.fromEntries(FILTERS.map((k) => [k, params.get(k) ?? ''])) as Record<
    (typeof FILTERS)[number],
    string
  >;
  const [open, setOpen] = useState<Set<string>>(new Set());
  const deliveries = useQuery({
    queryKey: ['alerts', 'deliveries', filter],
    queryFn: () => api<DeliveryView[]>('/alerts/deliveries', { ...filter, limit: 200 }),
    // Retries in flight change by the second; a settled log only when something new comes.
    refetchInterval: (q) =>
      q.state.data?.some((d) => d.status === 'pending' || d.status === 'delivering')
        ? 3_000
        : 15_000,
  });
  const channels = useQuery({
    queryKey: ['alerts', 'channels'],
    queryFn: () => api<ChannelView[]>('/alerts/channels'),
  });
  const redeliver = useMutation({
    mutationFn: (id: string) =>
      post<DeliveryView>(`/alerts/deliveries/${encodeURIComponent(id)}/redeliver`),
    onSettled: () => void qc.invalidateQueries({ queryKey: ['alerts', 'deliveries'] }),
  });
  const channelName = (id: string) => channels.data?.find((c) => c.id === id)?.name ?? id;
  const setFilter = (k: (typeof FILTERS)[number], v: string) => {
    const p = new URLSearchParams(params);
    if (v) p.set(k, v);
    else p.delete(k);
    setParams(p, { replace: true });
  };
  const toggle = (id: string) =>
    setOpen((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });

  return (
    <section aria-labelledby="deliveries-title">
      <div className="row">
        <h1 id="deliveries-title" className="grow">
          Delivery log
        </h1>
      </div>
      <AlertsNav />
      <form className="filters row" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select value={filter.status} onChange={(e) => setFilter('status', e.target.value)}>
            <option value="">any</option>
            <option value="failed,dead">failed or dead</option>
            {DELIVERY_STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Channel
          <select
            value={filter.channel_id}
            onChange={(e) => setFilter('channel_id', e.target.value)}
          >
            <option value="">any</option>
            {(channels.data ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label className="grow">
          Alert id
          <input
            value={filter.alert_id}
            placeholder="any"
            onChange={(e) => setFilter('alert_id', e.target.value.trim())}
          />
        </label>
        {Object.values(filter).some(Boolean) ? (
          <button
            type="button"
            className="btn"
            onClick={() => setParams(new URLSearchParams(), { replace: true })}
          >
            Clear filters
          </button>
        ) : null}
      </form>
      <ErrorBox error={deliveries.error} retry={() => void deliveries.refetch()} />
      <ErrorBox error={redeliver.error} />
      {deliveries.isLoading ? (
        <Loading what="deliveries" />
      ) : deliveries.data?.length === 0 ? (
        <Empty>
          No deliveries{Object.values(filter).some(Boolean) ? ' match these filters' : ' yet'}. Use
          “Send test” on a <Link to="/alerts/channels">channel</Link> to try one.
        </Empty>
      ) : deliveries.data ? (
        <div className="table-wrap">
          <table className="data-table stack-phone" aria-label="Deliveries">
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Status</th>
                <th scope="col">What</th>
                <th scope="col">Channel</th>
                <th scope="col" className="num">
                  Attempts
                </th>
                <th scope="col">Last result</th>
                <th scope="col">Next retry</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {deliveries.data.map((d) => {
                const expanded = open.has(d.id);
                const a = d.payload.alert;
                return (
                  <Fragment key={d.id}>
                    <tr data-testid="delivery-row" data-delivery-id={d.id} data-status={d.status}>
                      <td data-label="Created">
                        <time dateTime={d.created_at} title={fmtDateTime(d.created_at)}>
                          {fmtAgo(d.created_at)}
                        </time>
                      </td>
                      <td data-label="Status">
                        <DeliveryStatusBadge status={d.status} />
                      </td>
                      <td data-label="What" className="wrap">
                        {d.kind === 'test' ? (
                          <span>🧪 test notification</span>
                        ) : (
                          <>
                            {a.status}{' '}
                            {d.alert_id ? (
                              <Link to={`/alerts/${encodeURIComponent(d.alert_id)}`}>
                                {a.rule.name}
                              </Link>
                            ) : (
                              a.rule.name
                            )}
                          </>
                        )}
                      </td>
                      <td data-label="Channel">{channelName(d.channel_id)}</td>
                      <td data-label="Attempts" className="num">
                        {d.attempts}
                        {d.max_attempts !== null ? ` / ${d.max_attempts}` : ''}
                      </td>
                      <td data-label="Last result" className="wrap">
                        {d.last_status !== null ? `HTTP ${d.last_status}` : ''}
                        {d.last_status !== null && d.last_error ? ' · ' : ''}
                        {d.last_error ?? (d.last_status === null ? '–' : '')}
                      </td>
                      <td data-label="Next retry">
                        {d.next_attempt_at && (d.status === 'pending' || d.status === 'delivering')
                          ? fmtDateTime(d.next_attempt_at)
                          : '–'}
                      </td>
                      <td data-label="Actions" className="actions-cell">
                        <button
                          type="button"
                          className="btn"
                          aria-expanded={expanded}
                          aria-controls={`attempts-${d.id}`}
                          onClick={() => toggle(d.id)}
                        >
                          {expanded ? 'Hide' : 'Attempts'}
                        </button>
                        {REDELIVERABLE.includes(d.status) ? (
                          <button
                            type="button"
                            className="btn"
                            disabled={redeliver.isPending && redeliver.variables === d.id}
                            onClick={() => redeliver.mutate(d.id)}
                          >
                            Redeliver
                          </button>
                        ) : null}
                      </td>
                    </tr>
                    {expanded ? (
                      <tr id={`attempts-${d.id}`} className="attempts-row">
                        <td colSpan={8}>
                          <Attempts d={d} />
                        </td>
                      </tr>
                    ) : null}
                  </Fragment>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

function Attempts({ d }: { d: DeliveryView }) {
  const log = d.attempts_log ?? [];
  return (
    <div className="attempts">
      <p className="muted fine-print">
        Delivery <span className="mono">{d.id}</span>
        {d.delivered_at ? ` · delivered ${fmtDateTime(d.delivered_at)}` : ''}
      </p>
      {log.length === 0 ? (
        <p className="muted">No attempt yet.</p>
      ) : (
        <ol className="plain-list">
          {log.map((t) => (
            <li key={t.attempt}>
              <strong>#{t.attempt}</strong> {fmtDateTime(t.started_at)} · {fmtMs(t.duration_ms)}
              {' · '}
              {t.http_status !== null ? `HTTP ${t.http_status}` : 'no answer'}
              {t.error ? <span className="field-error"> · {t.error}</span> : null}
              {t.response_excerpt ? <pre className="excerpt">{t.response_excerpt}</pre> : null}
            </li>
          ))}
        </ol>
      )}
      <details>
        <summary>Payload</summary>
        <pre className="excerpt">{JSON.stringify(d.payload, null, 2)}</pre>
      </details>
    </div>
  );
}
