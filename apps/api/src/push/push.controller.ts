import { Body, Controller, Delete, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { TestChannelUseCase } from '../alerts/channels/test-channel.usecase';
import { PushSubscriptionsService } from './push-subscriptions.service';

/** Web Push for the dashboard (a PWA): firing alerts as notifications, tab open or not. */
@ApiTags('push')
@Controller('push')
export class PushController {
  constructor(
    private readonly subscriptions: PushSubscriptionsService,
    private readonly test: TestChannelUseCase,
  ) {}

  @Get('vapid-public-key')
  @ApiOperation({
    summary: 'The VAPID public key: {publicKey} (base64url), the applicationServerKey',
  })
  async vapidPublicKey() {
    return this.subscriptions.publicKey();
  }

  @Post('subscriptions')
  @HttpCode(201)
  @ApiOperation({
    summary:
      'Subscribe: the PushSubscription JSON {endpoint, keys: {p256dh, auth}} plus optional ' +
      '{min_severity: info|warning|high|critical, label, send_resolved}',
    description:
      '201 {id}, the same id again for an endpoint already subscribed (its keys and options ' +
      'are refreshed, and it is re-enabled). 400 naming the field: endpoint must be https ' +
      '(http only with WEBHOOK_ALLOW_PRIVATE=true); p256dh the base64url of 65 bytes, auth ' +
      'of 16.',
  })
  async subscribe(@CurrentPrincipal() principal: Principal, @Body() body: unknown) {
    const { id } = await this.subscriptions.subscribe(principal.projectId, body);
    return { id };
  }

  @Get('subscriptions')
  @ApiOperation({
    summary:
      'Subscriptions of the project: [{id, endpoint, min_severity, label, send_resolved, ' +
      'enabled, disabled_reason, created_at}]',
  })
  async list(@CurrentPrincipal() principal: Principal) {
    return this.subscriptions.list(principal.projectId);
  }

  @Delete('subscriptions/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Unsubscribe' })
  async delete(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    await this.subscriptions.delete(principal.projectId, id);
  }

  @Post('subscriptions/:id/test')
  @ApiOperation({
    summary: 'Send a test notification through the delivery queue and report its outcome',
    description:
      '200 {delivery_id, status: delivered|failed|dead, http_status, error, attempt} once ' +
      'the attempt is made; 202 with status pending when no delivery worker took it in time.',
  })
  async sendTest(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    await this.subscriptions.record(principal.projectId, id);
    const outcome = await this.test.execute(principal.projectId, id);
    void reply.status(outcome.status === 'pending' ? 202 : 200);
    return outcome;
  }
}
