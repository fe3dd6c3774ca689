import {
  AlertEvaluator,
  type AlertEventInput,
  type AlertTransition,
  type OpenAnomalyInput,
} from '@fleetscope/analytics';
import {
  AlertInstancesRepository,
  AlertRulesRepository,
  AnomaliesRepository,
  SilencesRepository,
  type Silence,
  type SqlClient,
  type SqlExecutor,
} from '@fleetscope/db';
import {
  alertLabels,
  formatDuration,
  NOTIFYING_ACTIONS,
  renderTemplate,
  silenceMatches,
  type AlertAction,
  type AlertRule,
  type AlertView,
  type EventEnvelope,
} from '@fleetscope/domain';
import type { LiveUpdateSink, StreamAnalyticsLog } from './stream-analytics';

/**
 * Where notifications of alert transitions go: outbox rows written in the transition's
 * transaction (`notify`), handed to the delivery queue after the commit (`dispatch`).
 */
export interface AlertNotifier {
  notify(
    tx: SqlExecutor,
    alert: AlertView,
    action: AlertAction,
    rule: AlertRule,
  ): Promise<string[]>;
  dispatch(deliveryIds: readonly string[]): void;
}

export interface AlertRunnerOptions {
  /** How often rules are evaluated (the issue asks for at least every second). */
  evaluateIntervalMs?: number;
  /** How often rules, silences, open anomalies and people's actions are re-read. */
  syncIntervalMs?: number;
}

/** Replayed into the rule windows at start: at most this much (rules with longer windows warm up). */
const REBUILD_MS = 15 * 60_000;

/**
 * Runs the alert rules in the process that holds the stream (a worker, or all-in-one): it
 * feeds the evaluator with freshly stored events, evaluates every second, and writes each
 * transition (instance row, timeline entry, outbox rows for the channels) in one
 * transaction; then hands the deliveries to the queue and publishes the transition live.
 *
 * State the evaluator cannot see by itself is re-read every few seconds: rules edited over
 * the API, silences, open anomalies (for `anomaly` rules), and alerts people acknowledged or
 * resolved (possibly in another process).
 */
export class AlertRunner {
  private evaluator = new AlertEvaluator();
  /** Set when a transition could not be stored: the state is rebuilt from the database. */
  private stale = false;
  private readonly rulesRepo = new AlertRulesRepository();
  private readonly instances = new AlertInstancesRepository();
  private readonly silencesRepo = new SilencesRepository();
  private readonly anomaliesRepo = new AnomaliesRepository();
  private rules = new Map<string, AlertRule>();
  private silences: Silence[] = [];
  private anomalies: OpenAnomalyInput[] = [];
  private lastSyncMs = Number.NEGATIVE_INFINITY;
  private peopleSince: string;
  private fullView = true;
  private keep: (e: { project_id: string; session_id: string }) => boolean = () => true;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  transitions = 0;

  constructor(
    private readonly db: SqlClient,
    private readonly live: LiveUpdateSink,
    private readonly notifier: AlertNotifier | undefined,
    private readonly log: StreamAnalyticsLog,
    private readonly options: AlertRunnerOptions = {},
    private readonly clock: () => number = Date.now,
  ) {
    this.peopleSince = new Date(clock()).toISOString();
  }

  observe(events: readonly EventEnvelope[]): void {
    if (!this.fullView) return;
    const now = this.clock();
    for (const e of events) this.evaluator.observe(toInput(e), now);
  }

  /**
   * Loads the rules, replays the last 15 minutes of stored events the predicate keeps into
   * their windows, and adopts the open alerts (so a restart continues their episodes).
   */
  async rebuild(
    keep: (e: { project_id: string; session_id: string }) => boolean = () => true,
    fullView = true,
  ): Promise<void> {
    this.fullView = fullView;
    this.keep = keep;
    this.evaluator = new AlertEvaluator();
    this.stale = false;
    const now = this.clock();
    // Every rule is new to this evaluator: the sync replays their windows from the database.
    await this.sync(now);
    if (!fullView) {
      this.log.warn('alert evaluation is off: this worker holds only some partitions');
      return;
    }
    for (const a of await this.instances.listOpen(this.db)) {
      this.evaluator.adopt(
        a.rule_id,
        a.group,
        a.status === 'firing' ? 'firing' : 'pending',
        Date.parse(a.started_at),
        a.fired_at ? Date.parse(a.fired_at) : null,
        a.last_notified_at ? Date.parse(a.last_notified_at) : 0,
        a.acknowledged_at !== null,
      );
    }
  }

  /**
   * Fills the windows of new or edited rules from the stored events (at most the last 15
   * minutes): a rule created while events already flow judges them at once, not only the
   * events that arrive after it.
   */
  private async replay(ruleIds: readonly string[], now: number): Promise<void> {
    const rules = ruleIds
      .map((id) => this.rules.get(id))
      .filter((r): r is AlertRule => r !== undefined && r.condition !== 'anomaly');
    if (rules.length === 0) return;
    // One read for every new rule (at start: all of them), not one per rule.
    const fromOf = (r: AlertRule) => now - Math.min(r.window_ms, REBUILD_MS);
    const from = Math.min(...rules.map(fromOf));
    const projects = [...new Set(rules.map((r) => r.project_id))];
    const r = await this.db.query<EventEnvelope>(
      `SELECT project_id, app, agent_id, session_id, event_type, model, tags, ts, severity,
              status, duration_ms, input_tokens, output_tokens, cost_usd
         FROM events
        WHERE project_id = ANY($1::text[]) AND ts >= $2::timestamptz AND ts <= $3::timestamptz`,
      [projects, new Date(from).toISOString(), new Date(now).toISOString()],
    );
    for (const row of r.rows) {
      if (!this.keep(row)) continue;
      const input = toInput(row);
      const tsMs = Date.parse(input.ts);
      for (const rule of rules) {
        if (rule.project_id === input.project_id && tsMs >= fromOf(rule)) {
          this.evaluator.observe(input, now, rule.id);
        }
      }
    }
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.options.evaluateIntervalMs ?? 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  tick(): Promise<void> {
    this.ticking ??= this.runTick().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async runTick(): Promise<void> {
    if (!this.fullView) return;
    const now = this.clock();
    try {
      if (this.stale) {
        await this.rebuild(this.keep, this.fullView);
        return;
      }
      if (now - this.lastSyncMs >= (this.options.syncIntervalMs ?? 5000)) await this.sync(now);
      const transitions = this.evaluator.evaluate(now, this.anomalies);
      if (transitions.length > 0) await this.persist(transitions);
    } catch (err) {
      // The evaluator may have moved past what is stored: start again from the database.
      this.stale = true;
      this.log.warn('alert evaluation failed; rebuilding from the database', {
        error: (err as Error).message,
      });
    }
  }

  /** Re-reads rules, silences, open anomalies and what people did since the last sync. */
  private async sync(now: number): Promise<void> {
    this.lastSyncMs = now;
    const rules = await this.rulesRepo.listAll(this.db);
    this.rules = new Map(rules.map((r) => [r.id, r]));
    const ended = this.evaluator.setRules(rules, now);
    if (this.fullView && this.evaluator.fresh.length > 0)
      await this.replay(this.evaluator.fresh, now);
    this.silences = await this.silencesRepo.activeAt(this.db, new Date(now).toISOString());
    this.anomalies = rules.some((r) => r.condition === 'anomaly' && r.enabled)
      ? (await this.anomaliesRepo.listOpen(this.db)).map((a) => ({
          project_id: a.project_id,
          app: a.app,
          agent_id: a.agent_id,
          kind: a.kind,
          score: a.score,
        }))
      : [];
    const since = this.peopleSince;
    this.peopleSince = new Date(now).toISOString();
    for (const change of await this.instances.changedByPeopleSince(this.db, since)) {
      if (change.action === 'acknowledged') this.evaluator.acknowledge(change.fingerprint);
      else if (change.action === 'resolved') this.evaluator.reset(change.fingerprint);
    }
    if (ended.length > 0) await this.persist(ended);
  }

  private async persist(transitions: readonly AlertTransition[]): Promise<void> {
    const deliveries: string[] = [];
    const written = await this.db.transaction(async (tx) => {
      const out: { action: AlertAction; alert: AlertView }[] = [];
      for (const t of transitions) {
        const rule = this.rules.get(t.ruleId);
        if (!rule) continue;
        const alert = await this.instances.apply(tx, t.action, {
          project_id: rule.project_id,
          rule_id: rule.id,
          rule_name: rule.name,
          condition: rule.condition,
          threshold: rule.threshold,
          fingerprint: t.fingerprint,
          severity: rule.severity,
          group: t.group,
          labels: rule.labels,
          annotations: annotationsOf(rule, t),
          value: t.value,
          at: new Date(t.atMs).toISOString(),
          started_at: new Date(t.startedAtMs).toISOString(),
        });
        if (!alert) continue;
        out.push({ action: t.action, alert });
        if (!NOTIFYING_ACTIONS.includes(t.action) || !this.notifier) continue;
        const silence = this.silences.find(
          (s) =>
            s.project_id === alert.project_id && silenceMatches(s.matchers, alertLabels(alert)),
        );
        if (silence) {
          await this.instances.addEvent(
            tx,
            alert.project_id,
            alert.id,
            new Date(t.atMs).toISOString(),
            'silenced',
            t.value,
            null,
            `${t.action} not sent: silence ${silence.id}`,
          );
          continue;
        }
        deliveries.push(...(await this.notifier.notify(tx, alert, t.action, rule)));
      }
      return out;
    });
    this.transitions += written.length;
    if (deliveries.length > 0) this.notifier?.dispatch(deliveries);
    for (const { action, alert } of written) {
      if (action === 'firing' || action === 'resolved') {
        this.log.info(`alert ${action}`, {
          rule: alert.rule_name,
          group: alert.group,
          value: alert.value,
        });
      }
      await this.live.publish({ type: 'alert', project_id: alert.project_id, action, alert });
    }
  }
}

function toInput(e: EventEnvelope): AlertEventInput {
  const tags = e.tags && typeof e.tags === 'object' ? e.tags : null;
  const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
  return {
    project_id: e.project_id,
    app: e.app,
    agent_id: e.agent_id,
    session_id: e.session_id,
    event_type: e.event_type,
    model: e.model,
    tags,
    // NOTE: rows read back by the rebuild carry a Date here, whatever the type says.
    ts: (e.ts as unknown) instanceof Date ? (e.ts as unknown as Date).toISOString() : e.ts,
    severity: Number(e.severity),
    status: e.status,
    duration_ms: num(e.duration_ms),
    input_tokens: num(e.input_tokens),
    output_tokens: num(e.output_tokens),
    cost_usd: num(e.cost_usd),
  };
}

const OPERATOR_WORDS: Record<string, string> = {
  '>': 'above',
  '>=': 'at or above',
  '<': 'below',
  '<=': 'at or below',
};

/** The rule's templated annotations, plus a summary when the rule has none. */
function annotationsOf(rule: AlertRule, t: AlertTransition): Record<string, string> {
  const vars = {
    value: t.value,
    threshold: rule.threshold,
    rule: rule.name,
    severity: rule.severity,
    group: t.group,
  };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(rule.annotations)) out[k] = renderTemplate(v, vars);
  if (!out.summary) {
    const where = Object.entries(t.group)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    const value = t.value === null ? 'n/a' : String(Number(t.value.toFixed(4)));
    out.summary =
      rule.condition === 'absence'
        ? `${rule.name}: no events for ${value} s${where ? ` (${where})` : ''}`
        : `${rule.name}: ${rule.condition} ${value} ${OPERATOR_WORDS[rule.operator]} ${rule.threshold} over ${formatDuration(rule.window_ms)}${where ? ` (${where})` : ''}`;
  }
  return out;
}
