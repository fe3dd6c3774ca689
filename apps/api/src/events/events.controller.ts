import { Controller, Get, Inject, Param, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { NotFoundError, ValidationError, zodIssuesToFieldErrors } from '@fleetscope/domain';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { RUNTIME, type Runtime } from '../runtime/runtime';
import { setNextPage } from '../common/query-params';
import { parseEventsQuery } from './events-query.dto';

@ApiTags('events')
@Controller('events')
export class EventsController {
  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  @Get()
  @ApiOperation({
    summary: 'List events, newest first (a JSON array, as the seed answered)',
    description:
      'The next page is in the X-Next-Cursor header (and Link rel="next"); pass it as ?cursor=.',
  })
  @ApiQuery({ name: 'start_time', required: false, description: 'ISO 8601 or epoch ms, inclusive' })
  @ApiQuery({ name: 'end_time', required: false, description: 'ISO 8601 or epoch ms, inclusive' })
  @ApiQuery({ name: 'app', required: false, description: 'one app or a comma-separated list' })
  @ApiQuery({
    name: 'event_type',
    required: false,
    description: 'one type or a comma-separated list',
  })
  @ApiQuery({ name: 'session_id', required: false })
  @ApiQuery({ name: 'agent_id', required: false })
  @ApiQuery({ name: 'trace_id', required: false })
  @ApiQuery({
    name: 'severity',
    required: false,
    description: 'minimum: 1-4 or info|warn|error|fatal',
  })
  @ApiQuery({
    name: 'search',
    required: false,
    description:
      'words in the summary, names, tag values and payload string values (first 1,024 characters)',
  })
  @ApiQuery({
    name: 'tags',
    required: false,
    description: 'key:value,key:value (or tag.<key>=<value>)',
  })
  @ApiQuery({
    name: 'limit',
    required: false,
    description: 'default 100, at most MAX_EVENTS_PER_QUERY',
  })
  @ApiQuery({ name: 'cursor', required: false })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: Record<string, unknown>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const parsed = parseEventsQuery(query, this.runtime.config.limits.maxEventsPerQuery);
    if (!parsed.ok) {
      const details = zodIssuesToFieldErrors(parsed.error);
      throw new ValidationError(details.map((d) => `${d.field}: ${d.reason}`).join('; '), details);
    }
    const q = { ...parsed.value, projectId: principal.projectId };
    const rows = await this.runtime.events.list(this.runtime.db, q);
    const last = rows[rows.length - 1];
    setNextPage(
      reply,
      '/events',
      query,
      last && rows.length === q.limit ? { ts: last.ts, id: last.id } : null,
    );
    // `timestamp` repeats `ts` for the seed's dashboards and scripts, which read that name.
    return rows.map((e) => ({ ...e, timestamp: e.ts }));
  }

  @Get('recent')
  @ApiOperation({ summary: 'The newest N events in ascending order (the hook server’s route)' })
  async recent(@CurrentPrincipal() principal: Principal, @Query('limit') limitRaw?: string) {
    const max = this.runtime.config.limits.maxEventsPerQuery;
    const n = limitRaw === undefined ? 300 : Number(limitRaw);
    if (!Number.isInteger(n) || n < 1) {
      throw new ValidationError(`limit: must be a positive integer, got "${limitRaw}"`, [
        { field: 'limit', reason: 'must be a positive integer' },
      ]);
    }
    const rows = await this.runtime.events.list(this.runtime.db, {
      projectId: principal.projectId,
      limit: Math.min(n, max),
    });
    return rows.reverse().map((e) => ({ ...e, timestamp: e.ts }));
  }

  @Get('filter-options')
  @ApiOperation({
    summary: 'Distinct apps, sessions and event types of the last 7 days (the hook server’s route)',
  })
  async filterOptions(@CurrentPrincipal() principal: Principal) {
    const since = new Date(Date.now() - 7 * 24 * 3600 * 1000).toISOString();
    return this.runtime.events.filterOptions(this.runtime.db, principal.projectId, since);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One event by id' })
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    const e = await this.runtime.events.findById(this.runtime.db, principal.projectId, id);
    if (!e) throw new NotFoundError(`event "${id}" not found`);
    return { ...e, timestamp: e.ts };
  }
}
