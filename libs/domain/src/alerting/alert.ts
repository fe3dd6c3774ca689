/**
 * Alert instances, their transitions and silences: what the evaluator stores, the API lists
 * and the WebSocket `alerts` channel carries.
 */
import { z } from 'zod';
import type { AlertCondition, AlertSeverity } from './alert-rule.schema';

/** An instance's state (`cancelled`: pending, then the condition stopped before `for`). */
export type AlertStatus = 'pending' | 'firing' | 'resolved' | 'cancelled';

/** What happened to an instance; `repeat` is a reminder of a still-firing alert. */
export const ALERT_ACTIONS = [
  'pending',
  'firing',
  'resolved',
  'cancelled',
  'acknowledged',
  'repeat',
] as const;
export type AlertAction = (typeof ALERT_ACTIONS)[number];

/** The actions that notify channels (pending and cancelled only show on the timeline). */
export const NOTIFYING_ACTIONS: readonly AlertAction[] = [
  'firing',
  'resolved',
  'acknowledged',
  'repeat',
];

export interface AlertView {
  id: string;
  project_id: string;
  rule_id: string;
  rule_name: string;
  condition: AlertCondition;
  threshold: number;
  fingerprint: string;
  status: AlertStatus;
  severity: AlertSeverity;
  group: Record<string, string>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  value: number | null;
  started_at: string;
  fired_at: string | null;
  resolved_at: string | null;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  last_notified_at: string | null;
  updated_at: string;
}

export interface LiveAlertUpdate {
  type: 'alert';
  project_id: string;
  action: AlertAction;
  alert: AlertView;
}

/** A silence matches an alert when every matcher holds on its labels. */
export const silenceMatcherSchema = z
  .object({
    name: z.string().trim().min(1).max(128),
    value: z.string().max(1024),
    /** `=` (default), `!=`, `=~` (regex, anchored), `!~`. */
    op: z.enum(['=', '!=', '=~', '!~']).default('='),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.op === '=~' || m.op === '!~') {
      try {
        new RegExp(`^(?:${m.value})$`);
      } catch (err) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['value'],
          message: `not a valid regular expression: ${(err as Error).message}`,
        });
      }
    }
  });
export type SilenceMatcher = z.output<typeof silenceMatcherSchema>;

export function silenceMatches(
  matchers: readonly SilenceMatcher[],
  labels: Record<string, string>,
): boolean {
  return matchers.every((m) => {
    const v = labels[m.name] ?? '';
    switch (m.op) {
      case '=':
        return v === m.value;
      case '!=':
        return v !== m.value;
      case '=~':
        return new RegExp(`^(?:${m.value})$`).test(v);
      case '!~':
        return !new RegExp(`^(?:${m.value})$`).test(v);
    }
  });
}

/**
 * The labels an alert is matched on (silences, Alertmanager output): the rule's labels, the
 * group, `alertname` and `severity`.
 */
export function alertLabels(
  a: Pick<AlertView, 'rule_name' | 'severity' | 'group' | 'labels'>,
): Record<string, string> {
  return { ...a.labels, ...a.group, alertname: a.rule_name, severity: a.severity };
}
