import { Controller, Get, Inject, Param, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { parseQueryOrThrow, setNextPage } from '../common/query-params';
import { RUNTIME, type Runtime } from '../runtime/runtime';
import { sessionQuerySchema, sessionsQuerySchema } from './sessions-query.dto';
import { SessionsService } from './sessions.service';

@ApiTags('sessions')
@Controller('sessions')
export class SessionsController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly sessions: SessionsService,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'List session summaries, most recently active first (a JSON array)',
    description:
      'The next page is in the X-Next-Cursor header (and Link rel="next"); pass it as ?cursor=.',
  })
  @ApiQuery({ name: 'app', required: false, description: 'one app or a comma-separated list' })
  @ApiQuery({ name: 'agent_id', required: false })
  @ApiQuery({
    name: 'status',
    required: false,
    description: 'active|idle|completed|error, or a comma-separated list',
  })
  @ApiQuery({
    name: 'start_time',
    required: false,
    description: 'ISO 8601 or epoch ms: sessions active at or after it (last_seen >=)',
  })
  @ApiQuery({
    name: 'end_time',
    required: false,
    description: 'ISO 8601 or epoch ms: sessions started at or before it (first_seen <=)',
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
    const max = this.runtime.config.limits.maxEventsPerQuery;
    const q = parseQueryOrThrow(sessionsQuerySchema(max), query);
    const page = await this.sessions.list({
      projectId: principal.projectId,
      app: q.app,
      agentId: q.agent_id,
      status: q.status,
      startTime: q.start_time,
      endTime: q.end_time,
      before: q.cursor,
      limit: q.limit ?? Math.min(100, max),
    });
    setNextPage(reply, '/sessions', query, page.next);
    return page.rows;
  }

  @Get(':id')
  @ApiOperation({
    summary: 'One session summary; ?include=events adds its newest events (ascending)',
  })
  @ApiParam({ name: 'id', description: 'the session id' })
  @ApiQuery({ name: 'include', required: false, description: '`events`' })
  @ApiQuery({
    name: 'limit',
    required: false,
    description: 'with include=events: how many events, default and most MAX_EVENTS_PER_QUERY',
  })
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
  ) {
    const max = this.runtime.config.limits.maxEventsPerQuery;
    const q = parseQueryOrThrow(sessionQuerySchema(max), query);
    const withEvents = q.include?.includes('events') ? { limit: q.limit ?? max } : null;
    return this.sessions.get(principal.projectId, id, withEvents);
  }
}
