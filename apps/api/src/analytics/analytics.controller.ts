import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ValidationError } from '@fleetscope/domain';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { parseQueryOrThrow } from '../common/query-params';
import {
  agentsQuerySchema,
  analyticsQuerySchema,
  anomaliesQuerySchema,
  resolveRange,
  SERIES_GROUPS,
  SERIES_INTERVALS,
  SERIES_METRICS,
  seriesQuerySchema,
} from './analytics-query.dto';
import { AnalyticsService } from './analytics.service';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

function range(q: { start_time?: string; end_time?: string }, defaultMs: number) {
  const r = resolveRange(q, defaultMs, Date.now());
  if ('error' in r) {
    throw new ValidationError(`start_time: ${r.error}`, [{ field: 'start_time', reason: r.error }]);
  }
  return r;
}

@ApiTags('analytics')
@Controller()
export class AnalyticsController {
  constructor(private readonly analytics: AnalyticsService) {}

  @Get('analytics')
  @ApiOperation({
    summary: 'Overview, per-app performance and anomalies for a range (default: last 24 h)',
    description:
      'Served from the rollups. Ranges are widened to whole minutes. Response times are in ' +
      'milliseconds; p95 comes from the latency histograms (within 9.1 %).',
  })
  @ApiQuery({ name: 'start_time', required: false, description: 'ISO 8601 or epoch ms' })
  @ApiQuery({ name: 'end_time', required: false, description: 'ISO 8601 or epoch ms' })
  @ApiQuery({ name: 'app', required: false, description: 'one app or a comma-separated list' })
  async overview(@CurrentPrincipal() principal: Principal, @Query() raw: Record<string, unknown>) {
    const q = parseQueryOrThrow(analyticsQuerySchema, raw);
    const { startMs, endMs } = range(q, DAY_MS);
    return this.analytics.analytics(principal.projectId, startMs, endMs, q.app);
  }

  @Get('metrics/series')
  @ApiOperation({
    summary: 'One metric over time, for charts (default: last hour, interval auto)',
    description: `Metrics: ${SERIES_METRICS.join(', ')}. Group by: ${SERIES_GROUPS.join(', ')}. Intervals: ${Object.keys(SERIES_INTERVALS).join(', ')}, auto.`,
  })
  @ApiQuery({ name: 'metric', required: true, enum: SERIES_METRICS })
  @ApiQuery({ name: 'group_by', required: false, enum: SERIES_GROUPS })
  @ApiQuery({ name: 'interval', required: false })
  @ApiQuery({ name: 'start_time', required: false })
  @ApiQuery({ name: 'end_time', required: false })
  @ApiQuery({ name: 'app', required: false })
  @ApiQuery({ name: 'agent_id', required: false })
  @ApiQuery({ name: 'event_type', required: false })
  @ApiQuery({ name: 'limit', required: false, description: 'most series (default 10, max 50)' })
  async series(@CurrentPrincipal() principal: Principal, @Query() raw: Record<string, unknown>) {
    const q = parseQueryOrThrow(seriesQuerySchema, raw);
    const { startMs, endMs } = range(q, HOUR_MS);
    return this.analytics.series(principal.projectId, {
      startMs,
      endMs,
      metric: q.metric,
      groupBy: q.group_by,
      interval: q.interval,
      filter: { app: q.app, agentId: q.agent_id, eventType: q.event_type },
      limit: q.limit ?? 10,
    });
  }

  @Get('agents')
  @ApiOperation({
    summary: 'The fleet table: one row per app and agent (default: the last hour, as the seed)',
  })
  @ApiQuery({ name: 'start_time', required: false })
  @ApiQuery({ name: 'end_time', required: false })
  @ApiQuery({ name: 'app', required: false })
  @ApiQuery({
    name: 'sort',
    required: false,
    enum: ['last_seen', 'events', 'errors', 'error_rate', 'cost_usd'],
  })
  @ApiQuery({ name: 'limit', required: false, description: 'default 500' })
  @ApiQuery({
    name: 'percentiles',
    required: false,
    description: 'true adds p95_response_time per agent (slower on large fleets)',
  })
  async agents(@CurrentPrincipal() principal: Principal, @Query() raw: Record<string, unknown>) {
    const q = parseQueryOrThrow(agentsQuerySchema, raw);
    const { startMs, endMs } = range(q, HOUR_MS);
    return this.analytics.agents(principal.projectId, {
      startMs,
      endMs,
      apps: q.app,
      sort: q.sort,
      percentiles: q.percentiles === 'true',
      limit: q.limit ?? 500,
    });
  }

  @Get('anomalies')
  @ApiOperation({
    summary: 'Detected anomalies, newest first (episodes overlapping the range)',
  })
  @ApiQuery({ name: 'status', required: false, enum: ['open', 'resolved'] })
  @ApiQuery({ name: 'kind', required: false })
  @ApiQuery({ name: 'app', required: false })
  @ApiQuery({ name: 'agent_id', required: false })
  @ApiQuery({ name: 'start_time', required: false })
  @ApiQuery({ name: 'end_time', required: false })
  @ApiQuery({ name: 'limit', required: false, description: 'default 100, max 1000' })
  async anomalies(@CurrentPrincipal() principal: Principal, @Query() raw: Record<string, unknown>) {
    const q = parseQueryOrThrow(anomaliesQuerySchema, raw);
    return this.analytics.listAnomalies({
      projectId: principal.projectId,
      status: q.status,
      kind: q.kind,
      app: q.app,
      agentId: q.agent_id,
      startTime: q.start_time,
      endTime: q.end_time,
      limit: q.limit ?? 100,
    });
  }
}
