import { randomUUID } from 'node:crypto';
import type { AlertRule, AlertRuleSpec } from '@fleetscope/domain';
import type { SqlExecutor } from './sql-client';

interface RuleRow {
  project_id: string;
  id: string;
  spec: AlertRuleSpec;
  created_at: Date | string;
  updated_at: Date | string;
}

const iso = (v: Date | string): string => (v instanceof Date ? v : new Date(v)).toISOString();
const toRule = (r: RuleRow): AlertRule => ({
  ...r.spec,
  id: r.id,
  project_id: r.project_id,
  created_at: iso(r.created_at),
  updated_at: iso(r.updated_at),
});

export class AlertRulesRepository {
  async create(db: SqlExecutor, projectId: string, spec: AlertRuleSpec): Promise<AlertRule> {
    const r = await db.query<RuleRow>(
      `INSERT INTO alert_rules (project_id, id, spec) VALUES ($1, $2, $3::jsonb)
       RETURNING project_id, id, spec, created_at, updated_at`,
      [projectId, randomUUID(), JSON.stringify(spec)],
    );
    return toRule(r.rows[0]!);
  }

  /**
   * Creates a default rule once per project and key. A default the user edited or deleted
   * stays as the user left it: nothing happens when the key exists.
   */
  async ensureDefault(
    db: SqlExecutor,
    projectId: string,
    key: string,
    spec: AlertRuleSpec,
  ): Promise<boolean> {
    const r = await db.query(
      `INSERT INTO alert_rules (project_id, id, spec, default_key) VALUES ($1, $2, $3::jsonb, $4)
       ON CONFLICT (project_id, default_key) WHERE default_key IS NOT NULL DO NOTHING`,
      [projectId, randomUUID(), JSON.stringify(spec), key],
    );
    return r.rowCount > 0;
  }

  async replace(
    db: SqlExecutor,
    projectId: string,
    id: string,
    spec: AlertRuleSpec,
  ): Promise<AlertRule | null> {
    const r = await db.query<RuleRow>(
      `UPDATE alert_rules SET spec = $3::jsonb, updated_at = now()
        WHERE project_id = $1 AND id = $2 AND deleted_at IS NULL
        RETURNING project_id, id, spec, created_at, updated_at`,
      [projectId, id, JSON.stringify(spec)],
    );
    return r.rows[0] ? toRule(r.rows[0]) : null;
  }

  async delete(db: SqlExecutor, projectId: string, id: string): Promise<boolean> {
    const r = await db.query(
      `UPDATE alert_rules SET deleted_at = now(), updated_at = now()
        WHERE project_id = $1 AND id = $2 AND deleted_at IS NULL`,
      [projectId, id],
    );
    return r.rowCount > 0;
  }

  async get(db: SqlExecutor, projectId: string, id: string): Promise<AlertRule | null> {
    const r = await db.query<RuleRow>(
      `SELECT project_id, id, spec, created_at, updated_at FROM alert_rules
        WHERE project_id = $1 AND id = $2 AND deleted_at IS NULL`,
      [projectId, id],
    );
    return r.rows[0] ? toRule(r.rows[0]) : null;
  }

  async list(db: SqlExecutor, projectId: string): Promise<AlertRule[]> {
    const r = await db.query<RuleRow>(
      `SELECT project_id, id, spec, created_at, updated_at FROM alert_rules
        WHERE project_id = $1 AND deleted_at IS NULL ORDER BY created_at, id`,
      [projectId],
    );
    return r.rows.map(toRule);
  }

  /** Every live rule of every project: what an evaluator runs. */
  async listAll(db: SqlExecutor): Promise<AlertRule[]> {
    const r = await db.query<RuleRow>(
      `SELECT project_id, id, spec, created_at, updated_at FROM alert_rules
        WHERE deleted_at IS NULL ORDER BY project_id, created_at, id`,
    );
    return r.rows.map(toRule);
  }
}
