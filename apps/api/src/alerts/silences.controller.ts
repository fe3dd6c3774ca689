import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { SilencesRepository } from '@fleetscope/db';
import { NotFoundError, ValidationError } from '@fleetscope/domain';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { parseQueryOrThrow } from '../common/query-params';
import { RUNTIME, type Runtime } from '../runtime/runtime';
import { silenceBodySchema, silencesQuerySchema } from './alerts-query.dto';

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Silences: while one matches an alert's labels (rule labels, group, `alertname`,
 * `severity`), its notifications are not sent (the timeline says so); the alert itself is
 * still evaluated and listed.
 */
@ApiTags('alerts')
@Controller('alerts/silences')
export class SilencesController {
  private readonly silences = new SilencesRepository();

  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  @Post()
  @ApiOperation({ summary: 'Create a silence: {matchers:[{name, value, op}], ends_at | duration}' })
  async create(@CurrentPrincipal() principal: Principal, @Body() body: unknown) {
    const s = parseQueryOrThrow(silenceBodySchema, body ?? {});
    const starts = s.starts_at ? Date.parse(s.starts_at) : Date.now();
    const ends = s.ends_at
      ? Date.parse(s.ends_at)
      : starts + Number(s.duration!.slice(0, -1)) * UNIT_MS[s.duration!.slice(-1)]!;
    if (ends <= starts) {
      throw new ValidationError('ends_at: must be after starts_at', [
        { field: 'ends_at', reason: 'must be after starts_at' },
      ]);
    }
    return this.silences.create(this.runtime.db, principal.projectId, {
      matchers: s.matchers,
      starts_at: new Date(starts).toISOString(),
      ends_at: new Date(ends).toISOString(),
      created_by: s.created_by ?? principal.keyId,
      comment: s.comment ?? null,
    });
  }

  @Get()
  @ApiOperation({ summary: 'Active and pending silences (?include_expired=true for all)' })
  async list(@CurrentPrincipal() principal: Principal, @Query() raw: Record<string, unknown>) {
    const q = parseQueryOrThrow(silencesQuerySchema, raw);
    return this.silences.list(this.runtime.db, principal.projectId, q.include_expired === 'true');
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'End a silence now' })
  async delete(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    if (!(await this.silences.delete(this.runtime.db, principal.projectId, id))) {
      throw new NotFoundError(`no silence ${id}`);
    }
  }
}
