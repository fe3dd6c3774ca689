import { Body, Controller, Post, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { IngestEventsUseCase, type IngestOutcome } from './ingest.usecase';
import { NdjsonBody } from './body-parsers';

@ApiTags('ingest')
@Controller('events')
export class IngestController {
  constructor(private readonly ingest: IngestEventsUseCase) {}

  @Post()
  @ApiOperation({
    summary: 'Ingest one event or an array of events',
    description:
      'Accepts the generic event ({app, event_type, payload, …}), the Claude Code hook body ' +
      '({source_app, session_id, hook_event_type, payload, …}) and canonical envelopes; JSON, ' +
      'NDJSON, optionally gzip-encoded. Answers 202 once the events are durable.',
  })
  @ApiBody({
    schema: { oneOf: [{ type: 'object' }, { type: 'array', items: { type: 'object' } }] },
  })
  @ApiResponse({ status: 202, description: 'All events accepted and durable' })
  @ApiResponse({
    status: 207,
    description: 'Some events accepted, others rejected (see rejected[])',
  })
  @ApiResponse({
    status: 400,
    description: 'Invalid JSON or every event invalid: details name field and reason',
  })
  @ApiResponse({ status: 413, description: 'Body over MAX_BODY_BYTES' })
  @ApiResponse({ status: 415, description: 'Unsupported Content-Type or Content-Encoding' })
  @ApiResponse({ status: 429, description: 'Ingest saturated; retry after Retry-After seconds' })
  async post(
    @CurrentPrincipal() principal: Principal,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.accept(
      principal,
      body,
      reply,
      !Array.isArray(body) && !(body instanceof NdjsonBody),
    );
  }

  @Post('batch')
  @ApiOperation({ summary: 'Ingest NDJSON (one event per line) or a JSON array' })
  @ApiResponse({ status: 202, description: 'All events accepted and durable' })
  async batch(
    @CurrentPrincipal() principal: Principal,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.accept(principal, body, reply, false);
  }

  private async accept(principal: Principal, body: unknown, reply: FastifyReply, single: boolean) {
    const outcome = await this.ingest.execute(
      principal,
      body instanceof NdjsonBody ? body.text : body,
      body instanceof NdjsonBody ? 'ndjson' : 'json',
    );
    return respond(reply, outcome, single);
  }
}

function respond(reply: FastifyReply, o: IngestOutcome, single: boolean) {
  void reply.status(o.rejected.length > 0 ? 207 : 202);
  return {
    success: o.rejected.length === 0,
    accepted: o.ids.length,
    ids: o.ids,
    // The seed's single-event answer carried `id` and `trace_id`; keep them for its clients.
    ...(single ? { id: o.ids[0], trace_id: o.traceIds[0] ?? null } : {}),
    ...(o.rejected.length > 0 ? { rejected: o.rejected } : {}),
  };
}
