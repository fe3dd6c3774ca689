import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { parseQueryOrThrow } from '../common/query-params';
import { runQueryBodySchema } from './query.dto';
import { QueryService } from './query.service';

/** The SQL console over HTTP, for tools without a WebSocket. */
@ApiTags('query')
@Controller('query')
export class QueryController {
  constructor(private readonly queries: QueryService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Run one read-only SELECT over the analyst views of your project',
    description:
      'Body {sql, params?}. Answers {columns, rows, rowCount, truncated, elapsed_ms}; 400 query_failed (PostgreSQL’s message), 403 query_forbidden.',
  })
  async run(@CurrentPrincipal() principal: Principal, @Body() body: unknown) {
    const { sql, params } = parseQueryOrThrow(runQueryBodySchema, body ?? {});
    return this.queries.run(principal, sql, params ?? []);
  }
}
