import { Controller, Get, Inject, Param, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { parseQueryOrThrow, setNextPage } from '../common/query-params';
import { RUNTIME, type Runtime } from '../runtime/runtime';
import { tracesQuerySchema } from './traces-query.dto';
import { TracesService } from './traces.service';

@ApiTags('traces')
@Controller('traces')
export class TracesController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly traces: TracesService,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'List trace summaries, newest first (a JSON array, with the seed’s row fields)',
    description:
      'The next page is in the X-Next-Cursor header (and Link rel="next"); pass it as ?cursor=.',
  })
  @ApiQuery({ name: 'app', required: false, description: 'one app or a comma-separated list' })
  @ApiQuery({ name: 'session_id', required: false })
  @ApiQuery({ name: 'status', required: false, description: 'ok|error|unset, or a list' })
  @ApiQuery({
    name: 'start_time',
    required: false,
    description: 'ISO 8601 or epoch ms: traces ending at or after it',
  })
  @ApiQuery({
    name: 'end_time',
    required: false,
    description: 'ISO 8601 or epoch ms: traces starting at or before it',
  })
  @ApiQuery({ name: 'min_duration_ms', required: false })
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
    const q = parseQueryOrThrow(tracesQuerySchema(max), query);
    const page = await this.traces.list({
      projectId: principal.projectId,
      app: q.app,
      sessionId: q.session_id,
      status: q.status,
      startTime: q.start_time,
      endTime: q.end_time,
      minDurationMs: q.min_duration_ms,
      before: q.cursor,
      limit: q.limit ?? Math.min(100, max),
    });
    setNextPage(reply, '/traces', query, page.next);
    return page.rows;
  }

  @Get(':id')
  @ApiOperation({
    summary: 'One trace: {trace, events, spans (nested by children), truncated}',
    description:
      'A Claude Code session is the trace `claude-code:<session_id>`; its tree is derived from the hook events.',
  })
  @ApiParam({ name: 'id', description: 'the trace id (URL-encoded)' })
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.traces.get(principal.projectId, id);
  }
}
