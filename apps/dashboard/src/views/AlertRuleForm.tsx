/**
 * Create (`/alerts/rules/new`) or edit (`/alerts/rules/:id`) an alert rule: the whole model
 * (condition, stat, operator, threshold, window, for, grouping, filters, severity,
 * channels, labels, annotation templates). The server validates; its 400s are shown next to
 * the field they name.
 */
import { useId, useMemo, useState, type ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, post, put } from '../api/http';
import { AlertsNav } from '../components/AlertsNav';
import {
  CONDITIONS,
  GROUP_KEYS,
  OPERATORS,
  SEVERITIES,
  STATS,
  ruleSummary,
  type AlertRuleView,
  type ChannelView,
} from '../components/alerting-model';
import { KeyValueEditor, mapOf, pairsOf, type Pair } from '../components/KeyValueEditor';
import { ErrorBox, Loading } from '../components/ui';

const FILTER_FIELDS = [
  { key: 'app', label: 'Apps' },
  { key: 'agent_id', label: 'Agents' },
  { key: 'session_id', label: 'Sessions' },
  { key: 'event_type', label: 'Event types' },
  { key: 'model', label: 'Models' },
] as const;
type FilterKey = (typeof FILTER_FIELDS)[number]['key'];

interface FormState {
  name: string;
  condition: AlertRuleView['condition'];
  stat: string;
  operator: string;
  threshold: string;
  window: string;
  for: string;
  groupBy: string[];
  /** Tag keys to group by, comma-separated (`tag:<key>` each). */
  groupTags: string;
  filters: Record<FilterKey, string>;
  tagFilters: Pair[];
  severity: string;
  channelMode: 'all' | 'some';
  channels: string[];
  labels: Pair[];
  annotations: Pair[];
  repeatInterval: string;
  minEvents: string;
  anomalyKind: string;
  enabled: boolean;
}

const EMPTY: FormState = {
  name: '',
  condition: 'error_rate',
  stat: 'avg',
  operator: '>',
  threshold: '',
  window: '5m',
  for: '0s',
  groupBy: ['app'],
  groupTags: '',
  filters: { app: '', agent_id: '', session_id: '', event_type: '', model: '' },
  tagFilters: [],
  severity: '',
  channelMode: 'all',
  channels: [],
  labels: [],
  annotations: [{ key: 'summary', value: '' }],
  repeatInterval: '4h',
  minEvents: '1',
  anomalyKind: '',
  enabled: true,
};

const list = (v: string | string[] | undefined): string =>
  v === undefined ? '' : Array.isArray(v) ? v.join(', ') : v;

function fromRule(r: AlertRuleView): FormState {
  const plain = r.group_by.filter((g) => !g.startsWith('tag:'));
  const tags = r.group_by.filter((g) => g.startsWith('tag:')).map((g) => g.slice(4));
  return {
    name: r.name,
    condition: r.condition,
    stat: r.stat ?? 'avg',
    operator: r.operator,
    threshold: r.condition === 'absence' ? '' : String(r.threshold),
    window: r.window,
    for: r.for,
    groupBy: plain,
    groupTags: tags.join(', '),
    filters: {
      app: list(r.filters.app),
      agent_id: list(r.filters.agent_id),
      session_id: list(r.filters.session_id),
      event_type: list(r.filters.event_type),
      model: list(r.filters.model),
    },
    tagFilters: pairsOf(r.filters.tags),
    severity: r.severity,
    channelMode: r.channels === null ? 'all' : 'some',
    channels: r.channels ?? [],
    labels: pairsOf(r.labels),
    annotations: pairsOf(r.annotations),
    repeatInterval: r.repeat_interval,
    minEvents: String(r.min_events),
    anomalyKind: r.anomaly_kind ?? '',
    enabled: r.enabled,
  };
}

const splitList = (s: string): string[] =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** The request body; `local` collects what is wrong before the server is asked. */
function toBody(f: FormState): { body: Record<string, unknown>; local: Record<string, string> } {
  const local: Record<string, string> = {};
  const filters: Record<string, unknown> = {};
  for (const { key } of FILTER_FIELDS) {
    const xs = splitList(f.filters[key]);
    if (xs.length === 1) filters[key] = xs[0];
    else if (xs.length > 1) filters[key] = xs;
  }
  const tags = mapOf(f.tagFilters);
  if (Object.keys(tags).length) filters.tags = tags;
  let threshold: number | undefined;
  if (f.condition !== 'absence' && f.threshold.trim() !== '') {
    threshold = Number(f.threshold);
    if (!Number.isFinite(threshold)) local.threshold = 'a number';
  }
  const minEvents = Number(f.minEvents || '1');
  if (!Number.isInteger(minEvents) || minEvents < 1) local.min_events = 'a whole number ≥ 1';
  const body: Record<string, unknown> = {
    name: f.name,
    condition: f.condition,
    operator: f.operator,
    ...(threshold !== undefined ? { threshold } : {}),
    window: f.window.trim(),
    for: f.for.trim() || '0s',
    ...(f.condition === 'response_time' ? { stat: f.stat } : {}),
    group_by: [...f.groupBy, ...splitList(f.groupTags).map((t) => `tag:${t}`)],
    filters,
    ...(f.severity ? { severity: f.severity } : {}),
    channels: f.channelMode === 'all' ? null : f.channels,
    labels: mapOf(f.labels),
    annotations: Object.fromEntries(
      Object.entries(mapOf(f.annotations)).filter(([, v]) => v.trim() !== ''),
    ),
    repeat_interval: f.repeatInterval.trim() || '4h',
    min_events: minEvents,
    ...(f.condition === 'anomaly' && f.anomalyKind.trim()
      ? { anomaly_kind: f.anomalyKind.trim() }
      : {}),
    enabled: f.enabled,
  };
  return { body, local };
}

export default function AlertRuleForm() {
  const { id } = useParams();
  const rule = useQuery({
    queryKey: ['alerts', 'rules', id],
    queryFn: () => api<AlertRuleView>(`/alerts/rules/${encodeURIComponent(id!)}`),
    enabled: id !== undefined,
    // An edit in progress is not overwritten by a refetch.
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  });
  return (
    <section aria-labelledby="rule-form-title">
      <div className="row">
        <h1 id="rule-form-title" className="grow">
          {id ? `Edit rule${rule.data ? ` ${rule.data.name}` : ''}` : 'New alert rule'}
        </h1>
        <Link className="btn" to="/alerts/rules">
          ← Rules
        </Link>
      </div>
      <AlertsNav />
      {id === undefined ? (
        <RuleForm initial={EMPTY} />
      ) : rule.isLoading ? (
        <Loading what="rule" />
      ) : rule.data ? (
        <RuleForm key={rule.data.id} id={rule.data.id} initial={fromRule(rule.data)} />
      ) : (
        <ErrorBox error={rule.error ?? 'rule not found'} retry={() => void rule.refetch()} />
      )}
    </section>
  );
}

function Field({
  label,
  error,
  hint,
  children,
  className,
}: {
  label: string;
  error?: string | undefined;
  hint?: ReactNode;
  children: (props: {
    id: string;
    'aria-invalid': boolean;
    'aria-describedby'?: string;
  }) => ReactNode;
  className?: string;
}) {
  const id = useId();
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-err` : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({
        id,
        'aria-invalid': Boolean(error),
        ...(describedBy ? { 'aria-describedby': describedBy } : {}),
      })}
      {hint ? (
        <span id={`${id}-hint`} className="muted fine-print">
          {hint}
        </span>
      ) : null}
      {error ? (
        <span id={`${id}-err`} className="field-error" role="alert">
          {error}
        </span>
      ) : null}
    </div>
  );
}

const WINDOWS = ['10s', '30s', '1m', '5m', '15m', '1h', '6h', '1d'];

/** The API field each form value is sent as (a server error hides once its field is edited). */
const API_FIELD: Record<keyof FormState, string> = {
  name: 'name',
  condition: 'condition',
  stat: 'stat',
  operator: 'operator',
  threshold: 'threshold',
  window: 'window',
  for: 'for',
  groupBy: 'group_by',
  groupTags: 'group_by',
  filters: 'filters',
  tagFilters: 'filters',
  severity: 'severity',
  channelMode: 'channels',
  channels: 'channels',
  labels: 'labels',
  annotations: 'annotations',
  repeatInterval: 'repeat_interval',
  minEvents: 'min_events',
  anomalyKind: 'anomaly_kind',
  enabled: 'enabled',
};

function RuleForm({ id, initial }: { id?: string; initial: FormState }) {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [f, setF] = useState<FormState>(initial);
  const [local, setLocal] = useState<Record<string, string>>({});
  const [edited, setEdited] = useState<Set<string>>(() => new Set());
  const channels = useQuery({
    queryKey: ['alerts', 'channels'],
    queryFn: () => api<ChannelView[]>('/alerts/channels'),
  });
  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      id
        ? put<AlertRuleView>(`/alerts/rules/${encodeURIComponent(id)}`, body)
        : post<AlertRuleView>('/alerts/rules', body),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['alerts', 'rules'] });
      void navigate('/alerts/rules');
    },
  });
  const apiErr = save.error instanceof ApiError ? save.error : null;
  /** The server's reason for a field or anything under it (`filters.app.1`). */
  const err = (field: string): string | undefined => {
    if (edited.has(field) || edited.has(field.split('.')[0]!)) return undefined;
    if (local[field]) return local[field];
    const d = apiErr?.details.find((x) => x.field === field || x.field.startsWith(`${field}.`));
    return d ? (d.field === field ? d.reason : `${d.field}: ${d.reason}`) : undefined;
  };
  const set = <K extends keyof FormState>(k: K, v: FormState[K]) => {
    setF((x) => ({ ...x, [k]: v }));
    setEdited((e) => (e.has(API_FIELD[k]) ? e : new Set(e).add(API_FIELD[k])));
  };
  const condition = CONDITIONS.find((c) => c.value === f.condition)!;
  const preview = useMemo(
    () =>
      ruleSummary({
        condition: f.condition,
        operator: f.operator as AlertRuleView['operator'],
        threshold: Number(f.threshold) || 0,
        window: f.window,
        for: f.for,
        stat: f.stat as AlertRuleView['stat'],
        group_by: [...f.groupBy, ...splitList(f.groupTags).map((t) => `tag:${t}`)],
      }),
    [f],
  );

  return (
    <form
      className="rule-form"
      aria-label={id ? 'Edit rule' : 'New rule'}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const { body, local: problems } = toBody(f);
        setLocal(problems);
        setEdited(new Set());
        if (Object.keys(problems).length === 0) save.mutate(body);
      }}
    >
      <div className="panel">
        <h2>What to watch</h2>
        <div className="form-grid">
          <Field label="Name" error={err('name')} className="span-2">
            {(p) => (
              <input
                {...p}
                name="name"
                value={f.name}
                required
                maxLength={200}
                onChange={(e) => set('name', e.target.value)}
              />
            )}
          </Field>
          <Field label="Condition" error={err('condition')} hint={condition.hint}>
            {(p) => (
              <select
                {...p}
                name="condition"
                value={f.condition}
                onChange={(e) => set('condition', e.target.value as FormState['condition'])}
              >
                {CONDITIONS.map((c) => (
                  <option key={c.value} value={c.value}>
                    {c.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {f.condition === 'response_time' ? (
            <Field label="Statistic" error={err('stat')}>
              {(p) => (
                <select
                  {...p}
                  name="stat"
                  value={f.stat}
                  onChange={(e) => set('stat', e.target.value)}
                >
                  {STATS.map((s) => (
                    <option key={s}>{s}</option>
                  ))}
                </select>
              )}
            </Field>
          ) : null}
          {f.condition !== 'absence' ? (
            <>
              <Field label="Operator" error={err('operator')}>
                {(p) => (
                  <select
                    {...p}
                    name="operator"
                    value={f.operator}
                    onChange={(e) => set('operator', e.target.value)}
                  >
                    {OPERATORS.map((o) => (
                      <option key={o}>{o}</option>
                    ))}
                  </select>
                )}
              </Field>
              <Field
                label="Threshold"
                error={err('threshold')}
                hint={
                  f.condition === 'error_rate'
                    ? 'a ratio: 0.1 is 10 %'
                    : f.condition === 'response_time'
                      ? 'milliseconds'
                      : f.condition === 'cost'
                        ? 'USD'
                        : f.condition === 'event_rate'
                          ? 'events per minute'
                          : undefined
                }
              >
                {(p) => (
                  <input
                    {...p}
                    name="threshold"
                    inputMode="decimal"
                    value={f.threshold}
                    onChange={(e) => set('threshold', e.target.value)}
                  />
                )}
              </Field>
            </>
          ) : null}
          <Field label="Window" error={err('window')} hint="10s to 1d, like 30s, 5m, 1h">
            {(p) => (
              <input
                {...p}
                name="window"
                list="rule-durations"
                value={f.window}
                onChange={(e) => set('window', e.target.value)}
              />
            )}
          </Field>
          <Field label="For" error={err('for')} hint="how long it must hold before firing">
            {(p) => (
              <input
                {...p}
                name="for"
                list="rule-durations"
                value={f.for}
                onChange={(e) => set('for', e.target.value)}
              />
            )}
          </Field>
          {f.condition === 'error_rate' || f.condition === 'response_time' ? (
            <Field
              label="Minimum events"
              error={err('min_events')}
              hint="a group is judged only with this many events in the window"
            >
              {(p) => (
                <input
                  {...p}
                  name="min_events"
                  inputMode="numeric"
                  value={f.minEvents}
                  onChange={(e) => set('minEvents', e.target.value)}
                />
              )}
            </Field>
          ) : null}
          {f.condition === 'anomaly' ? (
            <Field label="Anomaly kind" error={err('anomaly_kind')} hint="empty: any kind">
              {(p) => (
                <input
                  {...p}
                  name="anomaly_kind"
                  value={f.anomalyKind}
                  onChange={(e) => set('anomalyKind', e.target.value)}
                />
              )}
            </Field>
          ) : null}
        </div>
        <datalist id="rule-durations">
          {WINDOWS.map((w) => (
            <option key={w} value={w} />
          ))}
        </datalist>
        <p className="muted fine-print" aria-live="polite">
          Fires when <span className="mono">{preview}</span>
        </p>
      </div>

      <div className="panel">
        <h2>Which events, grouped how</h2>
        <fieldset className="inline-fieldset">
          <legend>Group by (one alert per group)</legend>
          <div className="row">
            {GROUP_KEYS.map((g) => (
              <label key={g} className="check">
                <input
                  type="checkbox"
                  name="group_by"
                  value={g}
                  checked={f.groupBy.includes(g)}
                  onChange={(e) =>
                    set(
                      'groupBy',
                      e.target.checked ? [...f.groupBy, g] : f.groupBy.filter((x) => x !== g),
                    )
                  }
                />
                {g}
              </label>
            ))}
          </div>
          {err('group_by') ? (
            <p className="field-error" role="alert">
              {err('group_by')}
            </p>
          ) : null}
        </fieldset>
        <div className="form-grid">
          <Field label="Group by tags" hint="tag keys, comma-separated">
            {(p) => (
              <input
                {...p}
                name="group_tags"
                value={f.groupTags}
                placeholder="region, tenant"
                onChange={(e) => set('groupTags', e.target.value)}
              />
            )}
          </Field>
          {FILTER_FIELDS.map((ff) => (
            <Field
              key={ff.key}
              label={`Only ${ff.label.toLowerCase()}`}
              error={err(`filters.${ff.key}`)}
              hint="comma-separated; empty: all"
            >
              {(p) => (
                <input
                  {...p}
                  name={`filters.${ff.key}`}
                  value={f.filters[ff.key]}
                  onChange={(e) => set('filters', { ...f.filters, [ff.key]: e.target.value })}
                />
              )}
            </Field>
          ))}
        </div>
        <KeyValueEditor
          legend="Only events with tags"
          keyLabel="Tag"
          pairs={f.tagFilters}
          onChange={(v) => set('tagFilters', v)}
          error={err('filters.tags')}
        />
      </div>

      <div className="panel">
        <h2>Who is told</h2>
        <div className="form-grid">
          <Field
            label="Severity"
            error={err('severity')}
            hint="empty: the condition's default (error rate: high)"
          >
            {(p) => (
              <select
                {...p}
                name="severity"
                value={f.severity}
                onChange={(e) => set('severity', e.target.value)}
              >
                <option value="">default</option>
                {SEVERITIES.map((s) => (
                  <option key={s}>{s}</option>
                ))}
              </select>
            )}
          </Field>
          <Field
            label="Repeat every"
            error={err('repeat_interval')}
            hint="reminders while it keeps firing (1m to 7d)"
          >
            {(p) => (
              <input
                {...p}
                name="repeat_interval"
                value={f.repeatInterval}
                onChange={(e) => set('repeatInterval', e.target.value)}
              />
            )}
          </Field>
        </div>
        <fieldset className="inline-fieldset">
          <legend>Channels</legend>
          <div className="row">
            <label className="check">
              <input
                type="radio"
                name="channel_mode"
                checked={f.channelMode === 'all'}
                onChange={() => set('channelMode', 'all')}
              />
              Every enabled channel
            </label>
            <label className="check">
              <input
                type="radio"
                name="channel_mode"
                checked={f.channelMode === 'some'}
                onChange={() => set('channelMode', 'some')}
              />
              Only these
            </label>
          </div>
          {f.channelMode === 'some' ? (
            <div className="row">
              <ErrorBox error={channels.error} retry={() => void channels.refetch()} />
              {channels.data?.length === 0 ? (
                <span className="muted">
                  No channels yet: <Link to="/alerts/channels">add one</Link>. With none chosen the
                  rule notifies nobody.
                </span>
              ) : null}
              {(channels.data ?? []).map((c) => (
                <label key={c.id} className="check">
                  <input
                    type="checkbox"
                    name="channels"
                    value={c.id}
                    checked={f.channels.includes(c.id)}
                    onChange={(e) =>
                      set(
                        'channels',
                        e.target.checked
                          ? [...f.channels, c.id]
                          : f.channels.filter((x) => x !== c.id),
                      )
                    }
                  />
                  {c.name} <span className="muted">({c.kind})</span>
                </label>
              ))}
            </div>
          ) : null}
          {err('channels') ? (
            <p className="field-error" role="alert">
              {err('channels')}
            </p>
          ) : null}
        </fieldset>
        <KeyValueEditor
          legend="Labels"
          keyLabel="Label"
          hint="Added to the alert's labels (routing in Alertmanager, silences)."
          pairs={f.labels}
          onChange={(v) => set('labels', v)}
          error={err('labels')}
        />
        <KeyValueEditor
          legend="Annotations (templates)"
          keyLabel="Annotation"
          hint="summary, description, runbook_url… {{value}}, {{threshold}}, {{rule}}, {{severity}} and {{group.app}} are filled in per alert."
          valuePlaceholder="{{rule}}: {{value}} for {{group.app}}"
          pairs={f.annotations}
          onChange={(v) => set('annotations', v)}
          error={err('annotations')}
        />
        <label className="check">
          <input
            type="checkbox"
            name="enabled"
            checked={f.enabled}
            onChange={(e) => set('enabled', e.target.checked)}
          />
          Enabled
        </label>
      </div>

      <ErrorBox error={save.error} />
      <div className="row form-actions">
        <button type="submit" className="btn primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : id ? 'Save rule' : 'Create rule'}
        </button>
        <Link className="btn" to="/alerts/rules">
          Cancel
        </Link>
      </div>
    </form>
  );
}
