/**
 * Notification channels: create one per kind (webhook, Slack, Discord, PagerDuty,
 * Alertmanager), send a test through the real delivery path and see its outcome, switch
 * on/off, rotate the signing secret (shown once), delete.
 */
import { useState } from 'react';
import { Link } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, del, patch, post } from '../api/http';
import { AlertsNav } from '../components/AlertsNav';
import {
  CHANNEL_KINDS,
  channelTarget,
  type ChannelKind,
  type ChannelView,
  type CreatableKind,
  type DeliveryStatus,
} from '../components/alerting-model';
import { ConfirmButton } from '../components/ConfirmButton';
import { KeyValueEditor, mapOf, type Pair } from '../components/KeyValueEditor';
import { Empty, ErrorBox, Loading } from '../components/ui';
import { fmtDateTime, fmtMs } from '../lib/format';

const KIND_INFO: Record<ChannelKind, { label: string; icon: string; urlHint: string }> = {
  webhook: {
    label: 'Webhook',
    icon: '🪝',
    urlHint: 'Any HTTPS endpoint; requests are signed (Standard Webhooks).',
  },
  slack: { label: 'Slack', icon: '💬', urlHint: 'A Slack incoming-webhook URL.' },
  discord: { label: 'Discord', icon: '🎮', urlHint: 'A Discord channel webhook URL.' },
  pagerduty: {
    label: 'PagerDuty',
    icon: '📟',
    urlHint: 'Events API v2 endpoint (leave empty for PagerDuty’s).',
  },
  alertmanager: {
    label: 'Alertmanager',
    icon: '🔔',
    urlHint: 'Alertmanager’s /api/v2/alerts URL.',
  },
  webpush: {
    label: 'Browser push',
    icon: '📱',
    urlHint: 'A device’s push subscription, made in Settings.',
  },
};

interface TestOutcome {
  delivery_id: string;
  status: DeliveryStatus;
  http_status: number | null;
  error: string | null;
  attempt: { duration_ms: number; response_excerpt: string | null } | null;
}

export default function Channels() {
  const channels = useQuery({
    queryKey: ['alerts', 'channels'],
    queryFn: () => api<ChannelView[]>('/alerts/channels'),
  });
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<{ name: string; secret: string; note?: string } | null>(
    null,
  );
  const showForm = creating || channels.data?.length === 0;

  return (
    <section aria-labelledby="channels-title">
      <div className="row">
        <h1 id="channels-title" className="grow">
          Notification channels
        </h1>
        {!showForm ? (
          <button type="button" className="btn primary" onClick={() => setCreating(true)}>
            + New channel
          </button>
        ) : null}
      </div>
      <AlertsNav />
      {secret ? <SecretOnce {...secret} onDone={() => setSecret(null)} /> : null}
      {showForm ? (
        <ChannelForm
          onCancel={channels.data?.length ? () => setCreating(false) : undefined}
          onCreated={(c) => {
            setCreating(false);
            setSecret({ name: c.name, secret: c.secret });
          }}
        />
      ) : null}
      <ErrorBox error={channels.error} retry={() => void channels.refetch()} />
      {channels.isLoading ? (
        <Loading what="channels" />
      ) : channels.data?.length === 0 ? (
        <Empty>No channels yet: alerts are listed here but nobody is told.</Empty>
      ) : (
        <ul className="card-list" aria-label="Channels">
          {(channels.data ?? []).map((c) => (
            <ChannelCard
              key={c.id}
              channel={c}
              onRotated={(s) =>
                setSecret({
                  name: c.name,
                  secret: s.secret,
                  note: `The previous secret also signs until ${fmtDateTime(s.previous_secret_expires_at)}.`,
                })
              }
            />
          ))}
        </ul>
      )}
    </section>
  );
}

/** A signing secret, shown once: the API never returns it again. */
function SecretOnce({
  name,
  secret,
  note,
  onDone,
}: {
  name: string;
  secret: string;
  note?: string | undefined;
  onDone: () => void;
}) {
  const [copied, setCopied] = useState<boolean | null>(null);
  return (
    <div className="panel secret-once" role="alert" data-testid="secret-once">
      <strong>Signing secret of {name}</strong>
      <p className="muted">
        Copy it now: it is not shown again. Receivers verify the <code>webhook-signature</code>{' '}
        header with it. {note ?? ''}
      </p>
      <div className="row">
        <code className="secret grow" data-testid="secret">
          {secret}
        </code>
        <button
          type="button"
          className="btn"
          onClick={() =>
            void navigator.clipboard.writeText(secret).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          {copied === true ? '✅ Copied' : copied === false ? '❌ Copy failed' : '📋 Copy'}
        </button>
        <button type="button" className="btn primary" onClick={onDone}>
          I saved it
        </button>
      </div>
    </div>
  );
}

function ChannelForm({
  onCreated,
  onCancel,
}: {
  onCreated: (c: ChannelView & { secret: string }) => void;
  onCancel: (() => void) | undefined;
}) {
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const [kind, setKind] = useState<CreatableKind>('webhook');
  const [url, setUrl] = useState('');
  const [routingKey, setRoutingKey] = useState('');
  const [headers, setHeaders] = useState<Pair[]>([]);
  const [sendResolved, setSendResolved] = useState(true);
  const [enabled, setEnabled] = useState(true);
  const create = useMutation({
    mutationFn: () => {
      const config: Record<string, unknown> =
        kind === 'pagerduty'
          ? { routing_key: routingKey.trim(), ...(url.trim() ? { url: url.trim() } : {}) }
          : { url: url.trim() };
      const h = mapOf(headers);
      if (kind === 'webhook' && Object.keys(h).length) config.headers = h;
      return post<ChannelView & { secret: string }>('/alerts/channels', {
        name: name.trim(),
        kind,
        config,
        send_resolved: sendResolved,
        enabled,
      });
    },
    onSuccess: (c) => {
      void qc.invalidateQueries({ queryKey: ['alerts', 'channels'] });
      onCreated(c);
    },
  });
  const e = create.error instanceof ApiError ? create.error : null;
  const reason = (field: string) =>
    e?.details.find((d) => d.field === field || d.field.startsWith(`${field}.`))?.reason;
  const info = KIND_INFO[kind];
  return (
    <form
      className="panel channel-form"
      aria-label="New channel"
      noValidate
      onSubmit={(ev) => {
        ev.preventDefault();
        create.mutate();
      }}
    >
      <h2>New channel</h2>
      <div className="form-grid">
        <label>
          Name
          <input
            name="name"
            value={name}
            required
            maxLength={128}
            aria-invalid={Boolean(reason('name'))}
            onChange={(ev) => setName(ev.target.value)}
          />
          {reason('name') ? <span className="field-error">{reason('name')}</span> : null}
        </label>
        <label>
          Kind
          <select
            name="kind"
            value={kind}
            onChange={(ev) => setKind(ev.target.value as CreatableKind)}
          >
            {CHANNEL_KINDS.map((k) => (
              <option key={k} value={k}>
                {KIND_INFO[k].icon} {KIND_INFO[k].label}
              </option>
            ))}
          </select>
        </label>
        {kind === 'pagerduty' ? (
          <label>
            Routing key
            <input
              name="routing_key"
              value={routingKey}
              required
              autoComplete="off"
              aria-invalid={Boolean(reason('config.routing_key'))}
              onChange={(ev) => setRoutingKey(ev.target.value)}
            />
            <span className="muted fine-print">The integration key of a PagerDuty service.</span>
            {reason('config.routing_key') ? (
              <span className="field-error">{reason('config.routing_key')}</span>
            ) : null}
          </label>
        ) : null}
        <label className="span-2">
          URL
          <input
            name="url"
            type="url"
            inputMode="url"
            value={url}
            required={kind !== 'pagerduty'}
            placeholder={
              kind === 'pagerduty' ? 'https://events.pagerduty.com/v2/enqueue' : 'https://'
            }
            aria-invalid={Boolean(reason('config.url'))}
            onChange={(ev) => setUrl(ev.target.value)}
          />
          <span className="muted fine-print">{info.urlHint}</span>
          {reason('config.url') ? (
            <span className="field-error">{reason('config.url')}</span>
          ) : null}
        </label>
      </div>
      {kind === 'webhook' ? (
        <KeyValueEditor
          legend="Extra headers"
          keyLabel="Header"
          keyPlaceholder="Authorization"
          hint="Sent with every request (values are masked once saved)."
          pairs={headers}
          onChange={setHeaders}
          error={reason('config.headers')}
        />
      ) : null}
      <div className="row">
        <label className="check">
          <input
            type="checkbox"
            checked={sendResolved}
            onChange={(ev) => setSendResolved(ev.target.checked)}
          />
          Also notify when alerts resolve
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={enabled}
            onChange={(ev) => setEnabled(ev.target.checked)}
          />
          Enabled
        </label>
      </div>
      <ErrorBox error={create.error} />
      <div className="row">
        <button type="submit" className="btn primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create channel'}
        </button>
        {onCancel ? (
          <button type="button" className="btn" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}

function ChannelCard({
  channel: c,
  onRotated,
}: {
  channel: ChannelView;
  onRotated: (s: { secret: string; previous_secret_expires_at: string }) => void;
}) {
  const qc = useQueryClient();
  const invalidate = () => void qc.invalidateQueries({ queryKey: ['alerts', 'channels'] });
  const test = useMutation({
    mutationFn: () => post<TestOutcome>(`/alerts/channels/${encodeURIComponent(c.id)}/test`),
    onSettled: () => void qc.invalidateQueries({ queryKey: ['alerts', 'deliveries'] }),
  });
  const toggle = useMutation({
    mutationFn: (on: boolean) =>
      patch<ChannelView>(`/alerts/channels/${encodeURIComponent(c.id)}`, { enabled: on }),
    onSettled: invalidate,
  });
  const rotate = useMutation({
    mutationFn: () =>
      post<{ secret: string; previous_secret_expires_at: string }>(
        `/alerts/channels/${encodeURIComponent(c.id)}/rotate-secret`,
      ),
    onSuccess: onRotated,
  });
  const remove = useMutation({
    mutationFn: () => del<void>(`/alerts/channels/${encodeURIComponent(c.id)}`),
    onSuccess: invalidate,
  });
  const info = KIND_INFO[c.kind];
  const enabled = toggle.isPending ? toggle.variables : c.enabled;
  return (
    <li
      className={`panel channel-card ${enabled ? '' : 'disabled'}`}
      data-testid="channel-card"
      data-channel-id={c.id}
    >
      <div className="row">
        <label className="switch" title={enabled ? 'Enabled' : 'Disabled'}>
          <input
            type="checkbox"
            role="switch"
            checked={enabled}
            aria-label={`${c.name} enabled`}
            onChange={(e) => toggle.mutate(e.target.checked)}
          />
          <span aria-hidden="true">{enabled ? 'On' : 'Off'}</span>
        </label>
        <h2 className="grow channel-name">
          <span aria-hidden="true">{info.icon}</span> {c.name}
        </h2>
        <span className="badge">{info.label}</span>
      </div>
      <p className="mono fine-print target">{channelTarget(c)}</p>
      <p className="muted fine-print">
        {c.send_resolved ? 'Firing and resolved' : 'Firing only'} · created{' '}
        {fmtDateTime(c.created_at)}
      </p>
      {c.disabled_reason ? (
        <p className="field-error" role="status">
          Disabled by delivery: {c.disabled_reason}
        </p>
      ) : null}
      <div className="row actions">
        <button
          type="button"
          className="btn primary"
          disabled={test.isPending}
          onClick={() => test.mutate()}
        >
          {test.isPending ? 'Sending…' : 'Send test'}
        </button>
        <Link className="btn" to={`/alerts/deliveries?channel_id=${encodeURIComponent(c.id)}`}>
          Deliveries
        </Link>
        <ConfirmButton
          label="Rotate secret"
          question="Rotate the signing secret? The old one keeps signing for 24 h."
          confirmLabel="Rotate"
          onConfirm={() => rotate.mutate()}
        />
        <ConfirmButton
          label="Delete"
          danger
          question={`Delete ${c.name}? Its pending deliveries end as failed.`}
          onConfirm={() => remove.mutate()}
        />
      </div>
      {test.data ? <TestResult outcome={test.data} /> : null}
      <ErrorBox error={test.error ?? toggle.error ?? rotate.error ?? remove.error} />
    </li>
  );
}

function TestResult({ outcome: o }: { outcome: TestOutcome }) {
  const ok = o.status === 'delivered';
  const waiting = o.status === 'pending' || o.status === 'delivering';
  return (
    <div
      className={`test-result ${ok ? 'ok' : waiting ? 'waiting' : 'bad'}`}
      role="status"
      data-testid="test-result"
    >
      {ok ? '✅ Delivered' : waiting ? '⏳ Queued' : `❌ ${o.status}`}
      {o.http_status !== null ? ` · HTTP ${o.http_status}` : ''}
      {o.attempt ? ` · ${fmtMs(o.attempt.duration_ms)}` : ''}
      {o.error ? ` · ${o.error}` : ''}
      {waiting ? ' · no delivery worker answered in time; see the delivery log.' : ''}
      {o.attempt?.response_excerpt ? (
        <pre className="excerpt">{o.attempt.response_excerpt}</pre>
      ) : null}
    </div>
  );
}
