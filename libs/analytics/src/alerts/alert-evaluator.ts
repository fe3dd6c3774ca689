import type {
  AlertAction,
  AlertGroupKey,
  AlertRuleSpec,
  ResponseTimeStat,
} from '@fleetscope/domain';
import { quantileFromBuckets, sketchIndex } from '../sketch/latency-sketch';

/** The event fields rules filter, group and measure on. */
export interface AlertEventInput {
  project_id: string;
  app: string;
  agent_id: string | null;
  session_id: string;
  event_type: string;
  model: string | null;
  tags: Record<string, string> | null;
  ts: string;
  severity: number;
  status: string | null;
  duration_ms: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cost_usd: number | null;
}

export interface EvaluatedRule extends AlertRuleSpec {
  id: string;
  project_id: string;
}

/** An open anomaly, as the `anomaly` condition sees it. */
export interface OpenAnomalyInput {
  project_id: string;
  app: string | null;
  agent_id: string | null;
  kind: string;
  score: number;
}

export interface AlertTransition {
  action: AlertAction;
  ruleId: string;
  projectId: string;
  fingerprint: string;
  group: Record<string, string>;
  value: number | null;
  atMs: number;
  /** When the condition started to hold (pending since). */
  startedAtMs: number;
  firedAtMs: number | null;
}

export interface AlertEvaluatorOptions {
  /** Most groups one rule tracks; further groups are ignored (and counted). */
  maxGroupsPerRule?: number;
}

interface Agg {
  events: number;
  errors: number;
  durationCount: number;
  durationSum: number;
  durationMax: number;
  buckets: Map<number, number>;
  tokens: number;
  cost: number;
}

type Phase = 'inactive' | 'pending' | 'firing';

interface GroupState {
  group: Record<string, string>;
  fingerprint: string;
  slots: Map<number, Agg>;
  lastEventMs: number;
  phase: Phase;
  pendingSinceMs: number;
  firedAtMs: number | null;
  falseSinceMs: number | null;
  lastNotifiedMs: number;
  acknowledged: boolean;
}

interface RuleState {
  rule: EvaluatedRule;
  /** A change of any of these restarts the rule's state. */
  signature: string;
  slotMs: number;
  groups: Map<string, GroupState>;
}

/** How long absence groups are remembered after their last event. */
const ABSENCE_MEMORY_MS = 24 * 3_600_000;

/**
 * Evaluates alert rules over their own sliding windows, per (rule, group), with the alert
 * state machine inactive → pending (`for`) → firing → resolved. Pure and in memory: events
 * and time come in as arguments, transitions come out.
 *
 * - Windows are in event time (an event counts in the window its `ts` falls in, clamped to
 *   now), split in 60 slots, so a 24 h window costs 60 slots per group.
 * - Resolving needs the condition false for `resolveAfterMs(rule)`: half the window, between
 *   30 s and 5 min. A flapping value therefore cannot turn into a storm of
 *   firing/resolved notifications: it stays firing.
 * - While firing and not acknowledged, a `repeat` is due every `repeat_interval`.
 */
export class AlertEvaluator {
  private readonly rules = new Map<string, RuleState>();
  private readonly maxGroups: number;
  /** Rules (re)started by the last setRules: their windows are empty until replayed. */
  fresh: string[] = [];
  droppedGroups = 0;

  constructor(options: AlertEvaluatorOptions = {}) {
    this.maxGroups = options.maxGroupsPerRule ?? 10_000;
  }

  /**
   * Replaces the rule set. Unchanged rules keep their state; a removed, disabled or edited
   * rule ends its alerts (`resolved` for firing ones, `cancelled` for pending ones).
   */
  setRules(rules: readonly EvaluatedRule[], nowMs: number): AlertTransition[] {
    const out: AlertTransition[] = [];
    this.fresh = [];
    const keep = new Set<string>();
    for (const rule of rules) {
      if (!rule.enabled) continue;
      keep.add(rule.id);
      const signature = JSON.stringify({ ...rule, name: undefined, annotations: undefined });
      const existing = this.rules.get(rule.id);
      if (existing && existing.signature === signature) {
        existing.rule = rule;
        continue;
      }
      if (existing) out.push(...this.endAll(existing, nowMs));
      this.fresh.push(rule.id);
      this.rules.set(rule.id, {
        rule,
        signature,
        slotMs: Math.max(1000, Math.ceil(rule.window_ms / 60 / 1000) * 1000),
        groups: new Map(),
      });
    }
    for (const [id, state] of this.rules) {
      if (keep.has(id)) continue;
      out.push(...this.endAll(state, nowMs));
      this.rules.delete(id);
    }
    return out;
  }

  /** Counts an event in every rule it concerns (or only in `onlyRuleId`: a replay for a new rule). */
  observe(e: AlertEventInput, nowMs: number, onlyRuleId?: string): void {
    const tsMs = Math.min(Date.parse(e.ts), nowMs);
    for (const state of this.rules.values()) {
      const rule = state.rule;
      if (onlyRuleId !== undefined && rule.id !== onlyRuleId) continue;
      if (rule.project_id !== e.project_id || rule.condition === 'anomaly') continue;
      if (!matchesFilters(rule, e)) continue;
      if (tsMs <= nowMs - rule.window_ms && rule.condition !== 'absence') continue;
      const g = this.groupOf(state, groupOf(rule.group_by, e));
      if (!g) continue;
      g.lastEventMs = Math.max(g.lastEventMs, tsMs);
      const slot = Math.floor(tsMs / state.slotMs) * state.slotMs;
      let agg = g.slots.get(slot);
      if (!agg) g.slots.set(slot, (agg = emptyAgg()));
      agg.events += 1;
      if (e.severity >= 3 || e.status === 'error') agg.errors += 1;
      if (e.duration_ms !== null) {
        agg.durationCount += 1;
        agg.durationSum += e.duration_ms;
        agg.durationMax = Math.max(agg.durationMax, e.duration_ms);
        const idx = sketchIndex(e.duration_ms);
        agg.buckets.set(idx, (agg.buckets.get(idx) ?? 0) + 1);
      }
      agg.tokens += (e.input_tokens ?? 0) + (e.output_tokens ?? 0);
      agg.cost += e.cost_usd ?? 0;
    }
  }

  /** One evaluation of every rule and group at `nowMs`. */
  evaluate(nowMs: number, anomalies: readonly OpenAnomalyInput[] = []): AlertTransition[] {
    const out: AlertTransition[] = [];
    for (const state of this.rules.values()) {
      const rule = state.rule;
      const values = new Map<string, number | null>();
      if (rule.condition === 'anomaly') {
        for (const [key, score] of anomalyScores(rule, anomalies)) {
          const g = this.groupOf(state, JSON.parse(key) as Record<string, string>);
          if (g) values.set(g.fingerprint, score);
        }
      }
      for (const [key, g] of state.groups) {
        const value =
          rule.condition === 'anomaly'
            ? (values.get(g.fingerprint) ?? null)
            : measure(rule, g, state.slotMs, nowMs);
        const holds = value !== null && compare(value, rule.operator, rule.threshold);
        out.push(...this.step(rule, g, holds, value, nowMs));
        if (g.phase === 'inactive' && this.forgettable(rule, g, nowMs)) state.groups.delete(key);
      }
    }
    return out;
  }

  /** Stops repeats of a firing alert until it resolves. */
  acknowledge(fingerprint: string): boolean {
    const g = this.find(fingerprint);
    if (!g || g.phase !== 'firing') return false;
    g.acknowledged = true;
    return true;
  }

  /**
   * A person resolved the alert by hand: its state restarts from inactive, so if the
   * condition still holds it becomes a new alert (after `for`).
   */
  reset(fingerprint: string): void {
    const g = this.find(fingerprint);
    if (!g) return;
    g.phase = 'inactive';
    g.firedAtMs = null;
    g.falseSinceMs = null;
    g.acknowledged = false;
  }

  /**
   * Takes over an alert left open by a previous evaluator (a restart, a new partition owner)
   * so that it continues as the same episode: no second `firing` notification.
   */
  adopt(
    ruleId: string,
    group: Record<string, string>,
    phase: 'pending' | 'firing',
    startedAtMs: number,
    firedAtMs: number | null,
    lastNotifiedMs: number,
    acknowledged: boolean,
  ): boolean {
    const state = this.rules.get(ruleId);
    if (!state) return false;
    const g = this.groupOf(state, group);
    if (!g) return false;
    g.phase = phase;
    g.pendingSinceMs = startedAtMs;
    g.firedAtMs = firedAtMs;
    g.lastNotifiedMs = lastNotifiedMs;
    g.acknowledged = acknowledged;
    return true;
  }

  phaseOf(fingerprint: string): Phase | undefined {
    return this.find(fingerprint)?.phase;
  }

  private find(fingerprint: string): GroupState | undefined {
    for (const state of this.rules.values()) {
      for (const g of state.groups.values()) if (g.fingerprint === fingerprint) return g;
    }
    return undefined;
  }

  private step(
    rule: EvaluatedRule,
    g: GroupState,
    holds: boolean,
    value: number | null,
    nowMs: number,
  ): AlertTransition[] {
    const t = (action: AlertAction): AlertTransition => ({
      action,
      ruleId: rule.id,
      projectId: rule.project_id,
      fingerprint: g.fingerprint,
      group: g.group,
      value,
      atMs: nowMs,
      startedAtMs: g.pendingSinceMs,
      firedAtMs: g.firedAtMs,
    });
    const out: AlertTransition[] = [];
    if (holds) {
      g.falseSinceMs = null;
      if (g.phase === 'inactive') {
        g.phase = 'pending';
        g.pendingSinceMs = nowMs;
        if (rule.for_ms > 0) out.push(t('pending'));
      }
      if (g.phase === 'pending' && nowMs - g.pendingSinceMs >= rule.for_ms) {
        g.phase = 'firing';
        g.firedAtMs = nowMs;
        g.lastNotifiedMs = nowMs;
        g.acknowledged = false;
        out.push(t('firing'));
      } else if (
        g.phase === 'firing' &&
        !g.acknowledged &&
        nowMs - g.lastNotifiedMs >= rule.repeat_interval_ms
      ) {
        g.lastNotifiedMs = nowMs;
        out.push(t('repeat'));
      }
      return out;
    }
    if (g.phase === 'pending') {
      g.phase = 'inactive';
      out.push(t('cancelled'));
    } else if (g.phase === 'firing') {
      g.falseSinceMs ??= nowMs;
      if (nowMs - g.falseSinceMs >= resolveAfterMs(rule)) {
        out.push(t('resolved'));
        g.phase = 'inactive';
        g.firedAtMs = null;
        g.falseSinceMs = null;
        g.acknowledged = false;
      }
    }
    return out;
  }

  private endAll(state: RuleState, nowMs: number): AlertTransition[] {
    const out: AlertTransition[] = [];
    for (const g of state.groups.values()) {
      if (g.phase === 'inactive') continue;
      out.push({
        action: g.phase === 'firing' ? 'resolved' : 'cancelled',
        ruleId: state.rule.id,
        projectId: state.rule.project_id,
        fingerprint: g.fingerprint,
        group: g.group,
        value: null,
        atMs: nowMs,
        startedAtMs: g.pendingSinceMs,
        firedAtMs: g.firedAtMs,
      });
    }
    return out;
  }

  private groupOf(state: RuleState, group: Record<string, string>): GroupState | undefined {
    // Canonical: the same group read back from jsonb (which reorders keys) is the same key.
    const key = JSON.stringify(
      Object.fromEntries(Object.entries(group).sort(([a], [b]) => (a < b ? -1 : 1))),
    );
    let g = state.groups.get(key);
    if (g) return g;
    if (state.groups.size >= this.maxGroups) {
      this.droppedGroups += 1;
      return undefined;
    }
    g = {
      group,
      fingerprint: fingerprintOf(state.rule.id, key),
      slots: new Map(),
      lastEventMs: Number.NEGATIVE_INFINITY,
      phase: 'inactive',
      pendingSinceMs: 0,
      firedAtMs: null,
      falseSinceMs: null,
      lastNotifiedMs: 0,
      acknowledged: false,
    };
    state.groups.set(key, g);
    return g;
  }

  /** An inactive group with nothing left in its window (absence: silent for a day). */
  private forgettable(rule: EvaluatedRule, g: GroupState, nowMs: number): boolean {
    if (rule.condition === 'absence') return nowMs - g.lastEventMs > ABSENCE_MEMORY_MS;
    if (rule.condition === 'anomaly') return true;
    return g.slots.size === 0;
  }
}

/** Half the window, at least 30 s and at most 5 min. */
export function resolveAfterMs(rule: Pick<AlertRuleSpec, 'window_ms'>): number {
  return Math.min(300_000, Math.max(30_000, Math.floor(rule.window_ms / 2)));
}

function emptyAgg(): Agg {
  return {
    events: 0,
    errors: 0,
    durationCount: 0,
    durationSum: 0,
    durationMax: 0,
    buckets: new Map(),
    tokens: 0,
    cost: 0,
  };
}

/** The rule's value for a group over (now − window, now]; null when there is nothing to judge. */
function measure(rule: EvaluatedRule, g: GroupState, slotMs: number, nowMs: number): number | null {
  if (rule.condition === 'absence') {
    // Seconds without events; counts only once the group has been silent a full window.
    if (!Number.isFinite(g.lastEventMs)) return null;
    const silentMs = nowMs - g.lastEventMs;
    return silentMs > rule.window_ms ? silentMs / 1000 : null;
  }
  const fromMs = nowMs - rule.window_ms;
  const sum = emptyAgg();
  for (const [slot, agg] of g.slots) {
    // Slots overlapping the window count (granularity: a 60th of it); older ones go.
    if (slot + slotMs <= fromMs) {
      g.slots.delete(slot);
      continue;
    }
    sum.events += agg.events;
    sum.errors += agg.errors;
    sum.durationCount += agg.durationCount;
    sum.durationSum += agg.durationSum;
    sum.durationMax = Math.max(sum.durationMax, agg.durationMax);
    for (const [idx, n] of agg.buckets) sum.buckets.set(idx, (sum.buckets.get(idx) ?? 0) + n);
    sum.tokens += agg.tokens;
    sum.cost += agg.cost;
  }
  switch (rule.condition) {
    case 'error_rate':
      return sum.events < Math.max(1, rule.min_events) ? null : sum.errors / sum.events;
    case 'event_count':
      return sum.events;
    case 'event_rate':
      return sum.events / (rule.window_ms / 60_000);
    case 'response_time':
      return sum.events < rule.min_events ? null : responseTime(rule.stat, sum);
    case 'token_usage':
      return sum.tokens;
    case 'cost':
      return sum.cost;
    default:
      return null;
  }
}

function responseTime(stat: ResponseTimeStat, a: Agg): number | null {
  if (a.durationCount === 0) return null;
  switch (stat) {
    case 'avg':
      return a.durationSum / a.durationCount;
    case 'max':
      return a.durationMax;
    case 'p50':
      return quantileFromBuckets(a.buckets, 0.5);
    case 'p95':
      return quantileFromBuckets(a.buckets, 0.95);
    case 'p99':
      return quantileFromBuckets(a.buckets, 0.99);
  }
}

function compare(v: number, op: EvaluatedRule['operator'], threshold: number): boolean {
  switch (op) {
    case '>':
      return v > threshold;
    case '>=':
      return v >= threshold;
    case '<':
      return v < threshold;
    case '<=':
      return v <= threshold;
  }
}

const asList = (v: string | string[] | undefined): string[] | undefined =>
  v === undefined ? undefined : typeof v === 'string' ? [v] : v;

export function matchesFilters(rule: Pick<AlertRuleSpec, 'filters'>, e: AlertEventInput): boolean {
  const f = rule.filters;
  const check = (expected: string | string[] | undefined, actual: string | null): boolean => {
    const list = asList(expected);
    return list === undefined || (actual !== null && list.includes(actual));
  };
  if (!check(f.app, e.app)) return false;
  if (!check(f.agent_id, e.agent_id)) return false;
  if (!check(f.session_id, e.session_id)) return false;
  if (!check(f.event_type, e.event_type)) return false;
  if (!check(f.model, e.model)) return false;
  if (f.tags) {
    for (const [k, v] of Object.entries(f.tags)) if (e.tags?.[k] !== v) return false;
  }
  return true;
}

export function groupOf(
  keys: readonly AlertGroupKey[],
  e: AlertEventInput,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) {
    if (k === 'app') out.app = e.app;
    else if (k === 'agent') out.agent = e.agent_id ?? '';
    else if (k === 'session') out.session = e.session_id;
    else if (k === 'event_type') out.event_type = e.event_type;
    else if (k === 'model') out.model = e.model ?? '';
    else out[k] = e.tags?.[k.slice(4)] ?? '';
  }
  return out;
}

/** The highest score of the open anomalies a rule covers, per group (app / agent only). */
function anomalyScores(
  rule: EvaluatedRule,
  anomalies: readonly OpenAnomalyInput[],
): Map<string, number> {
  const out = new Map<string, number>();
  const apps = asList(rule.filters.app);
  const agents = asList(rule.filters.agent_id);
  for (const a of anomalies) {
    if (a.project_id !== rule.project_id) continue;
    if (rule.anomaly_kind !== null && a.kind !== rule.anomaly_kind) continue;
    if (apps && (a.app === null || !apps.includes(a.app))) continue;
    if (agents && (a.agent_id === null || !agents.includes(a.agent_id))) continue;
    const group: Record<string, string> = {};
    for (const k of rule.group_by) {
      if (k === 'app') group.app = a.app ?? '';
      else if (k === 'agent') group.agent = a.agent_id ?? '';
    }
    const key = JSON.stringify(group);
    out.set(key, Math.max(out.get(key) ?? Number.NEGATIVE_INFINITY, a.score));
  }
  return out;
}

/** A stable 64-bit FNV-1a of rule id and group, as 16 hex digits (PagerDuty's dedup_key). */
export function fingerprintOf(ruleId: string, groupKey: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  const s = `${ruleId}\n${groupKey}`;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c ^ (h1 >>> 7), 0x85ebca6b) >>> 0;
  }
  return h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0');
}
