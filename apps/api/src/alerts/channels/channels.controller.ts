import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CHANNEL_KINDS } from '@fleetscope/domain';
import { CurrentPrincipal } from '../../auth/current-principal.decorator';
import type { Principal } from '../../auth/principal';
import { ChannelsService } from './channels.service';
import { TestChannelUseCase } from './test-channel.usecase';

/** Notification channels of the caller's project. */
@ApiTags('alerts')
@Controller('alerts/channels')
export class ChannelsController {
  constructor(
    private readonly channels: ChannelsService,
    private readonly test: TestChannelUseCase,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Create a channel: {name, kind, config, send_resolved?, enabled?, secret?}',
    description:
      `Kinds: ${CHANNEL_KINDS.join(', ')}. The signing secret (whsec_…) is in this response ` +
      'only; generated when not given.',
  })
  async create(@CurrentPrincipal() principal: Principal, @Body() body: unknown) {
    return this.channels.create(principal.projectId, body);
  }

  @Get()
  @ApiOperation({ summary: 'List channels (secrets never shown; header values masked)' })
  async list(@CurrentPrincipal() principal: Principal) {
    return this.channels.list(principal.projectId);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One channel' })
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.channels.get(principal.projectId, id);
  }

  @Patch(':id')
  @ApiOperation({
    summary:
      'Change name, config (replaces it; masked values mean unchanged), send_resolved, enabled',
    description: 'Re-enabling a channel disabled by a 410 clears disabled_reason.',
  })
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() body: unknown,
  ) {
    return this.channels.update(principal.projectId, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a channel; its pending deliveries end as failed' })
  async delete(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    await this.channels.delete(principal.projectId, id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({
    summary: 'A new signing secret; the old one also signs for 24 h (two signatures)',
  })
  async rotate(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.channels.rotateSecret(principal.projectId, id);
  }

  @Post(':id/test')
  @ApiOperation({
    summary: 'Send a test notification through the queue and report its outcome',
    description:
      '200 with the outcome once the attempt is made (status delivered, failed or dead); ' +
      '202 with status pending when no delivery worker took it in time.',
  })
  async sendTest(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const outcome = await this.test.execute(principal.projectId, id);
    void reply.status(outcome.status === 'pending' ? 202 : 200);
    return outcome;
  }
}
