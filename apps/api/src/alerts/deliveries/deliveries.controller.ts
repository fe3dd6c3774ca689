import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DELIVERY_STATUSES } from '@fleetscope/domain';
import { CurrentPrincipal } from '../../auth/current-principal.decorator';
import type { Principal } from '../../auth/principal';
import { parseQueryOrThrow } from '../../common/query-params';
import { deliveriesQuerySchema } from './deliveries-query.dto';
import { DeliveriesService } from './deliveries.service';

/** The delivery log (the outbox) of the caller's project. */
@ApiTags('alerts')
@Controller('alerts/deliveries')
export class DeliveriesController {
  constructor(private readonly deliveries: DeliveriesService) {}

  @Get()
  @ApiOperation({ summary: 'Deliveries, newest first, each with its attempts (attempts_log)' })
  @ApiQuery({ name: 'alert_id', required: false })
  @ApiQuery({ name: 'channel_id', required: false })
  @ApiQuery({
    name: 'status',
    required: false,
    description: `${DELIVERY_STATUSES.join('|')}, or a comma-separated list`,
  })
  @ApiQuery({ name: 'limit', required: false, description: 'default 100, max 1000' })
  async list(@CurrentPrincipal() principal: Principal, @Query() raw: Record<string, unknown>) {
    const q = parseQueryOrThrow(deliveriesQuerySchema, raw);
    return this.deliveries.list({
      projectId: principal.projectId,
      alertId: q.alert_id,
      channelId: q.channel_id,
      status: q.status,
      limit: q.limit ?? 100,
    });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One delivery with its attempts' })
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.deliveries.get(principal.projectId, id);
  }

  @Post(':id/redeliver')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Start a new attempt cycle for a failed or dead delivery (same webhook-id)',
  })
  async redeliver(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.deliveries.redeliver(principal.projectId, id);
  }
}
