import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AlertInstancesRepository, AlertRulesRepository } from '@fleetscope/db';
import {
  NotFoundError,
  ValidationError,
  type AlertAction,
  type AlertView,
} from '@fleetscope/domain';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { parseQueryOrThrow, setNextPage } from '../common/query-params';
import { RUNTIME, type Runtime } from '../runtime/runtime';
import { alertActionBodySchema, alertsQuerySchema } from './alerts-query.dto';

/**
 * Alert history and the actions people take: acknowledge (repeats stop; PagerDuty gets an
 * acknowledge) and resolve by hand. Both are written with their timeline entry and the
 * channels' notifications in one transaction, and published to live subscribers.
 */
@ApiTags('alerts')
@Controller('alerts')
export class AlertsController {
  private readonly instances = new AlertInstancesRepository();
  private readonly rules = new AlertRulesRepository();

  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  @Get()
  @ApiOperation({
    summary: 'Alerts, newest first: status=firing,pending,resolved,cancelled; rule_id; severity',
  })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() raw: Record<string, unknown>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const q = parseQueryOrThrow(alertsQuerySchema, raw);
    const limit = q.limit ?? 100;
    const rows = await this.instances.list(this.runtime.db, {
      projectId: principal.projectId,
      status: q.status,
      ruleId: q.rule_id,
      severity: q.severity,
      startTime: q.start_time,
      endTime: q.end_time,
      before: q.cursor,
      limit,
    });
    const last = rows[rows.length - 1];
    setNextPage(
      reply,
      '/alerts',
      raw,
      last && rows.length === limit ? { ts: last.started_at, id: last.id } : null,
    );
    return rows;
  }

  @Get(':id')
  @ApiOperation({ summary: 'One alert with its timeline of transitions and actions' })
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    const alert = await this.find(principal, id);
    const timeline = await this.instances.timeline(this.runtime.db, principal.projectId, id);
    return { ...alert, timeline };
  }

  @Post(':id/ack')
  @HttpCode(200)
  @ApiOperation({ summary: 'Acknowledge a firing alert: repeats stop until it resolves' })
  async ack(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() body: unknown,
  ) {
    return this.act(principal, id, body, 'acknowledged');
  }

  @Post(':id/resolve')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Resolve an open alert by hand (it fires again if the condition holds)',
  })
  async resolve(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() body: unknown,
  ) {
    return this.act(principal, id, body, 'resolved');
  }

  private async act(principal: Principal, id: string, body: unknown, action: AlertAction) {
    const b = parseQueryOrThrow(alertActionBodySchema, body ?? {});
    const by = b.by ?? principal.keyId ?? 'api';
    const current = await this.find(principal, id);
    const { alert, deliveries } = await this.runtime.db.transaction(async (tx) => {
      const alert =
        action === 'acknowledged'
          ? await this.instances.acknowledge(tx, principal.projectId, id, by, b.note ?? null)
          : await this.instances.resolveByHand(tx, principal.projectId, id, by, b.note ?? null);
      if (!alert) {
        const why =
          action === 'acknowledged'
            ? current.status !== 'firing'
              ? `only a firing alert can be acknowledged (this one is ${current.status})`
              : 'already acknowledged'
            : `only a pending or firing alert can be resolved (this one is ${current.status})`;
        throw new ValidationError(why, [{ field: 'status', reason: why }]);
      }
      const rule = await this.rules.get(tx, principal.projectId, alert.rule_id);
      const notifier = this.runtime.alertNotifier;
      const deliveries =
        notifier && rule && alert.fired_at !== null
          ? await notifier.notify(tx, alert, action, rule)
          : [];
      return { alert, deliveries };
    });
    if (deliveries.length > 0) this.runtime.alertNotifier?.dispatch(deliveries);
    await this.runtime.publishUpdate({
      type: 'alert',
      project_id: alert.project_id,
      action,
      alert,
    });
    return alert;
  }

  private async find(principal: Principal, id: string): Promise<AlertView> {
    const a = await this.instances.get(this.runtime.db, principal.projectId, id);
    if (!a) throw new NotFoundError(`no alert ${id}`);
    return a;
  }
}
