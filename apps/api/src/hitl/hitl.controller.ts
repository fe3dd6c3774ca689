import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { hitlWaitQuerySchema, NotFoundError } from '@fleetscope/domain';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { RequireScopes } from '../auth/require-scopes.decorator';
import { parseQueryOrThrow } from '../common/query-params';
import { HitlService } from './hitl.service';
import { WaitForResponseUseCase } from './wait-for-response.usecase';

const RESPOND_BODY =
  'The DIS HumanInTheLoopResponse: {response?: string, permission?: boolean, choice?: string, ' +
  'respondedBy?, hookEvent?, respondedAt?}. permission needs a boolean `permission`, choice ' +
  'one of the request’s `choices`, question a non-empty `response` (else 400 naming the ' +
  'field). 409 once answered, timed out or cancelled; 404 unknown; 403 without the `respond` ' +
  'scope. The server sets respondedAt and respondedBy (the API key’s id when auth is on).';

/**
 * Human in the loop: agents ask and wait here (long poll, no server on the agent's host);
 * people answer from the dashboard.
 */
@ApiTags('hitl')
@Controller()
export class HitlController {
  constructor(
    private readonly hitl: HitlService,
    private readonly waitFor: WaitForResponseUseCase,
  ) {}

  @Post('hitl/requests')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Ask a person: {app, session_id, question, type, choices?, timeout_s?, agent_id?, context?}',
    description:
      'Ingests a HumanInTheLoop event (stored, streamed live) and answers 202 ' +
      '{id, status: "pending", expires_at}; then long-poll GET /hitl/requests/:id/response.',
  })
  async create(@CurrentPrincipal() principal: Principal, @Body() body: unknown) {
    return this.hitl.create(principal, body);
  }

  @Get('hitl/requests')
  @ApiOperation({ summary: 'HITL requests, newest first; overdue pending ones read as timeout' })
  @ApiQuery({ name: 'status', required: false, description: 'pending|responded|timeout|cancelled' })
  @ApiQuery({ name: 'session_id', required: false })
  @ApiQuery({ name: 'app', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1..1000, default 100' })
  async list(@CurrentPrincipal() principal: Principal, @Query() query: Record<string, unknown>) {
    return this.hitl.list(principal.projectId, query);
  }

  @Get('hitl/requests/:id')
  @ApiOperation({ summary: 'One HITL request' })
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.hitl.get(principal.projectId, id);
  }

  @Get('hitl/requests/:id/response')
  @ApiOperation({
    summary: 'Long poll for the answer: ?wait=<seconds, 0..60, default 30>',
    description:
      '200 with the request (status responded, response) as soon as it is answered; 202 ' +
      '{id, status: "pending", expires_at} when the wait ends first (a request not stored yet ' +
      'counts as pending); 410 with the request once it timed out or was cancelled; 404 when ' +
      'still unknown after the wait (at least 3 s).',
  })
  @ApiResponse({ status: 200, description: 'Answered' })
  @ApiResponse({ status: 202, description: 'Still pending: poll again' })
  @ApiResponse({ status: 410, description: 'Timed out or cancelled: no answer will come' })
  async response(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { wait } = parseQueryOrThrow(hitlWaitQuerySchema, query);
    // A client that disconnects ends its wait at once: no timer or listener outlives it.
    const ac = new AbortController();
    const onClose = () => {
      if (!reply.raw.writableEnded) ac.abort();
    };
    reply.raw.on('close', onClose);
    try {
      const outcome = await this.waitFor.execute(
        principal.projectId,
        id,
        Math.round(wait * 1000),
        ac.signal,
      );
      switch (outcome.kind) {
        case 'final':
          void reply.status(outcome.request.status === 'responded' ? 200 : 410);
          return outcome.request;
        case 'pending':
          void reply.status(202);
          return { id, status: 'pending', expires_at: outcome.expires_at };
        case 'missing':
          throw new NotFoundError(`no HITL request ${id}`);
        case 'aborted':
          return undefined;
      }
    } finally {
      reply.raw.off('close', onClose);
    }
  }

  @Post('hitl/requests/:id/respond')
  @HttpCode(200)
  @RequireScopes('respond')
  @ApiOperation({ summary: 'Answer a HITL request', description: RESPOND_BODY })
  async respond(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() body: unknown,
  ) {
    return this.hitl.respond(principal, id, body);
  }

  @Post('events/:id/respond')
  @HttpCode(200)
  @RequireScopes('respond')
  @ApiOperation({
    summary: 'Answer the HITL request of an event (the hook server’s route)',
    description: RESPOND_BODY,
  })
  async respondToEvent(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() body: unknown,
  ) {
    return this.hitl.respond(principal, id, body);
  }

  @Post('hitl/requests/:id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'The agent stopped waiting: pending → cancelled (409 otherwise)' })
  async cancel(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.hitl.cancel(principal.projectId, id);
  }
}
