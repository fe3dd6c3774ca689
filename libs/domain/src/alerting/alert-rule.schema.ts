/**
 * The alert rule contract: what `POST /alerts/rules` accepts (the seed's
 * `{name, condition, threshold, window, enabled}` included) and the normalised rule the
 * evaluator runs. Durations travel as strings (`30s`, `5m`, `1h`) or milliseconds.
 */
import { z } from 'zod';

export const ALERT_CONDITIONS = [
  'error_rate',
  'event_count',
  'event_rate',
  'response_time',
  'anomaly',
  'absence',
  'token_usage',
  'cost',
] as const;
export type AlertCondition = (typeof ALERT_CONDITIONS)[number];

export const ALERT_OPERATORS = ['>', '>=', '<', '<='] as const;
export type AlertOperator = (typeof ALERT_OPERATORS)[number];

export const ALERT_SEVERITIES = ['info', 'warning', 'high', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export const RESPONSE_TIME_STATS = ['avg', 'p50', 'p95', 'p99', 'max'] as const;
export type ResponseTimeStat = (typeof RESPONSE_TIME_STATS)[number];

/** What a group can be keyed on; `tag:<key>` groups by one tag's value. */
export const ALERT_GROUP_KEYS = ['app', 'agent', 'session', 'event_type', 'model'] as const;
const groupKey = z.union([
  z.enum(ALERT_GROUP_KEYS),
  z
    .string()
    .regex(
      /^tag:[A-Za-z0-9_.-]{1,128}$/,
      'one of app, agent, session, event_type, model, tag:<key>',
    ),
]);
export type AlertGroupKey = z.infer<typeof groupKey>;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `5m`, `1h`, `1d`, `250ms`, or a number of milliseconds. */
export const durationSchema = (minMs: number, maxMs: number) =>
  z.union([z.string(), z.number()]).transform((v, ctx) => {
    let ms: number;
    if (typeof v === 'number') ms = v;
    else {
      const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(v);
      if (!m) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `not a duration like 30s, 5m, 1h: "${v}"`,
        });
        return z.NEVER;
      }
      ms = Number(m[1]) * UNIT_MS[m[2]!]!;
    }
    if (!Number.isFinite(ms) || ms < minMs || ms > maxMs) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `must be between ${formatDuration(minMs)} and ${formatDuration(maxMs)}`,
      });
      return z.NEVER;
    }
    return Math.round(ms);
  });

/** 300000 → `5m`; the largest unit that divides it. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

const text = (max: number) => z.string().trim().min(1).max(max);
const oneOrMany = z.union([text(256), z.array(text(256)).min(1).max(100)]);

export const alertFiltersSchema = z
  .object({
    app: oneOrMany.optional(),
    agent_id: oneOrMany.optional(),
    session_id: oneOrMany.optional(),
    event_type: oneOrMany.optional(),
    model: oneOrMany.optional(),
    tags: z.record(text(128), z.string().max(1024)).optional(),
  })
  .strict();
export type AlertFilters = z.infer<typeof alertFiltersSchema>;

const labelMap = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'label names are [A-Za-z_][A-Za-z0-9_]*'),
  z.string().max(1024),
);

/** The rule body, as created (POST) or replaced (PUT). Defaults follow the seed. */
export const alertRuleInputSchema = z
  .object({
    name: text(200),
    condition: z.enum(ALERT_CONDITIONS),
    operator: z.enum(ALERT_OPERATORS).optional(),
    threshold: z.number().finite().optional(),
    window: durationSchema(10_000, 86_400_000).default('5m'),
    for: durationSchema(0, 86_400_000).default(0),
    stat: z.enum(RESPONSE_TIME_STATS).optional(),
    group_by: z.array(groupKey).max(4).default([]),
    filters: alertFiltersSchema.default({}),
    severity: z.enum(ALERT_SEVERITIES).optional(),
    /** Channel ids; omitted → every enabled channel of the project; [] → none. */
    channels: z.array(text(64)).max(20).nullable().optional(),
    labels: labelMap.default({}),
    /** `{{value}}`, `{{threshold}}`, `{{rule}}`, `{{group.app}}`… are filled in per alert. */
    annotations: labelMap.default({}),
    repeat_interval: durationSchema(60_000, 7 * 86_400_000).default('4h'),
    /** error_rate, response_time: judge a group only with at least this many events in the window. */
    min_events: z.number().int().min(1).max(1_000_000).default(1),
    /** anomaly: only anomalies of this kind (any when omitted). */
    anomaly_kind: text(64).optional(),
    enabled: z.boolean().default(true),
  })
  .strict()
  .superRefine((r, ctx) => {
    const needsThreshold = r.condition !== 'absence';
    if (needsThreshold && r.threshold === undefined) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['threshold'],
        message: `required for condition ${r.condition}`,
      });
    }
    if (
      r.condition === 'error_rate' &&
      r.threshold !== undefined &&
      (r.threshold < 0 || r.threshold > 1)
    ) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['threshold'],
        message: 'an error rate is a ratio between 0 and 1',
      });
    }
    if (r.stat !== undefined && r.condition !== 'response_time') {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['stat'],
        message: 'only for condition response_time',
      });
    }
    if (r.anomaly_kind !== undefined && r.condition !== 'anomaly') {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['anomaly_kind'],
        message: 'only for condition anomaly',
      });
    }
  });
export type AlertRuleInput = z.input<typeof alertRuleInputSchema>;

/** A rule as stored and evaluated: every default filled in, durations in ms. */
export interface AlertRuleSpec {
  name: string;
  condition: AlertCondition;
  operator: AlertOperator;
  threshold: number;
  window_ms: number;
  for_ms: number;
  stat: ResponseTimeStat;
  group_by: AlertGroupKey[];
  filters: AlertFilters;
  severity: AlertSeverity;
  channels: string[] | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  repeat_interval_ms: number;
  min_events: number;
  anomaly_kind: string | null;
  enabled: boolean;
}

export interface AlertRule extends AlertRuleSpec {
  id: string;
  project_id: string;
  created_at: string;
  updated_at: string;
}

/** The seed's severities: error_rate → high, response_time → medium (warning), else low (info). */
function defaultSeverity(c: AlertCondition): AlertSeverity {
  if (c === 'error_rate') return 'high';
  if (c === 'response_time' || c === 'anomaly' || c === 'absence') return 'warning';
  return 'info';
}

export function normalizeAlertRule(input: z.output<typeof alertRuleInputSchema>): AlertRuleSpec {
  return {
    name: input.name,
    condition: input.condition,
    // absence: "no events for longer than the window"; the comparison is built in.
    operator: input.operator ?? '>',
    threshold: input.condition === 'absence' ? 0 : input.threshold!,
    window_ms: input.window,
    for_ms: input.for,
    stat: input.stat ?? 'avg',
    group_by: input.group_by,
    filters: input.filters,
    severity: input.severity ?? defaultSeverity(input.condition),
    channels: input.channels ?? null,
    labels: input.labels,
    annotations: input.annotations,
    repeat_interval_ms: input.repeat_interval,
    min_events: input.min_events,
    anomaly_kind: input.anomaly_kind ?? null,
    enabled: input.enabled,
  };
}

/** The rule in the API's shape: durations back as strings, the seed's names kept. */
export function alertRuleView(r: AlertRule) {
  return {
    id: r.id,
    name: r.name,
    condition: r.condition,
    operator: r.operator,
    threshold: r.threshold,
    window: formatDuration(r.window_ms),
    for: formatDuration(r.for_ms),
    stat: r.condition === 'response_time' ? r.stat : null,
    group_by: r.group_by,
    filters: r.filters,
    severity: r.severity,
    channels: r.channels,
    labels: r.labels,
    annotations: r.annotations,
    repeat_interval: formatDuration(r.repeat_interval_ms),
    min_events: r.min_events,
    anomaly_kind: r.anomaly_kind,
    enabled: r.enabled,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

/** Fills `{{value}}`, `{{threshold}}`, `{{rule}}`, `{{severity}}`, `{{group.<key>}}`. */
export function renderTemplate(
  template: string,
  vars: {
    value: number | null;
    threshold: number;
    rule: string;
    severity: string;
    group: Record<string, string>;
  },
): string {
  return template.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_.:-]*)\s*\}\}/g, (whole, name: string) => {
    if (name === 'value')
      return vars.value === null ? 'n/a' : String(Number(vars.value.toFixed(4)));
    if (name === 'threshold') return String(vars.threshold);
    if (name === 'rule') return vars.rule;
    if (name === 'severity') return vars.severity;
    if (name.startsWith('group.')) return vars.group[name.slice(6)] ?? '';
    return whole;
  });
}

/**
 * The seed's three default rules, from ENABLE_ALERTS and the *_THRESHOLD variables, per app
 * (the seed judged the whole fleet at once). Created once per project and editable after.
 * Error-rate and response-time rules need 10 events in the window, so one failed call of a
 * quiet app does not page anyone.
 */
export function defaultAlertRules(t: {
  errorRateThreshold: number;
  eventRateThresholdPerMinute: number;
  responseTimeThresholdMs: number;
}): { key: string; spec: AlertRuleSpec }[] {
  const spec = (body: z.input<typeof alertRuleInputSchema>) =>
    normalizeAlertRule(alertRuleInputSchema.parse(body));
  return [
    {
      key: 'high_error_rate',
      spec: spec({
        name: 'high_error_rate',
        condition: 'error_rate',
        threshold: t.errorRateThreshold,
        window: '5m',
        group_by: ['app'],
        min_events: 10,
        severity: 'high',
      }),
    },
    {
      key: 'high_event_rate',
      spec: spec({
        name: 'high_event_rate',
        condition: 'event_rate',
        threshold: t.eventRateThresholdPerMinute,
        window: '1m',
        group_by: ['app'],
        severity: 'info',
      }),
    },
    {
      key: 'slow_response',
      spec: spec({
        name: 'slow_response',
        condition: 'response_time',
        stat: 'avg',
        threshold: t.responseTimeThresholdMs,
        window: '5m',
        group_by: ['app'],
        min_events: 10,
        severity: 'warning',
      }),
    },
  ];
}
