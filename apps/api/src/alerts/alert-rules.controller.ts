import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Put,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AlertRulesRepository } from '@fleetscope/db';
import {
  alertRuleInputSchema,
  alertRuleView,
  NotFoundError,
  normalizeAlertRule,
  type AlertRule,
} from '@fleetscope/domain';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { parseQueryOrThrow } from '../common/query-params';
import { RUNTIME, type Runtime } from '../runtime/runtime';

/** The rule as an input body again (durations as strings), for PATCH to merge into. */
function asInput(r: AlertRule): Record<string, unknown> {
  const generated = new Set(['id', 'created_at', 'updated_at']);
  return Object.fromEntries(
    Object.entries(alertRuleView(r)).filter(([k, v]) => v !== null && !generated.has(k)),
  );
}

/**
 * Alert rules. `POST` accepts the seed's `{name, condition, threshold, window, enabled}` and
 * the full model; validation errors name the field. Evaluators pick changes up within
 * seconds.
 */
@ApiTags('alerts')
@Controller('alerts/rules')
export class AlertRulesController {
  private readonly rules = new AlertRulesRepository();

  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  @Post()
  @ApiOperation({ summary: 'Create a rule (the seed body or the full model)' })
  async create(@CurrentPrincipal() principal: Principal, @Body() body: unknown) {
    const spec = normalizeAlertRule(parseQueryOrThrow(alertRuleInputSchema, body ?? {}));
    return alertRuleView(await this.rules.create(this.runtime.db, principal.projectId, spec));
  }

  @Get()
  @ApiOperation({ summary: 'List rules' })
  async list(@CurrentPrincipal() principal: Principal) {
    return (await this.rules.list(this.runtime.db, principal.projectId)).map(alertRuleView);
  }

  @Get(':id')
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return alertRuleView(await this.find(principal, id));
  }

  @Put(':id')
  @ApiOperation({ summary: 'Replace a rule' })
  async replace(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() body: unknown,
  ) {
    const spec = normalizeAlertRule(parseQueryOrThrow(alertRuleInputSchema, body ?? {}));
    const r = await this.rules.replace(this.runtime.db, principal.projectId, id, spec);
    if (!r) throw new NotFoundError(`no alert rule ${id}`);
    return alertRuleView(r);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change some fields of a rule (e.g. {"enabled": false})' })
  async patch(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() body: unknown,
  ) {
    const current = await this.find(principal, id);
    const patch = body && typeof body === 'object' && !Array.isArray(body) ? body : {};
    const spec = normalizeAlertRule(
      parseQueryOrThrow(alertRuleInputSchema, { ...asInput(current), ...patch }),
    );
    const r = await this.rules.replace(this.runtime.db, principal.projectId, id, spec);
    return alertRuleView(r!);
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    if (!(await this.rules.delete(this.runtime.db, principal.projectId, id))) {
      throw new NotFoundError(`no alert rule ${id}`);
    }
  }

  private async find(principal: Principal, id: string): Promise<AlertRule> {
    const r = await this.rules.get(this.runtime.db, principal.projectId, id);
    if (!r) throw new NotFoundError(`no alert rule ${id}`);
    return r;
  }
}
