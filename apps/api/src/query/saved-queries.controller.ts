import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { isDuplicateName, type SavedQuery, type SavedQueryWrite } from '@fleetscope/db';
import { FleetscopeError, NotFoundError } from '@fleetscope/domain';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { parseQueryOrThrow } from '../common/query-params';
import { RUNTIME, type Runtime } from '../runtime/runtime';
import { savedQueryBodySchema } from './query.dto';
import { QueryService } from './query.service';

/** Named statements of the SQL console, per project. Same scope as the console (`read`). */
@ApiTags('query')
@Controller('queries')
export class SavedQueriesController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly queries: QueryService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List saved queries, by name' })
  async list(@CurrentPrincipal() principal: Principal): Promise<SavedQuery[]> {
    this.queries.authorize(principal);
    return this.runtime.savedQueries.list(this.runtime.db, principal.projectId);
  }

  @Post()
  @ApiOperation({ summary: 'Save a query: {name, sql, description?}; names are unique' })
  async create(@CurrentPrincipal() principal: Principal, @Body() body: unknown) {
    this.queries.authorize(principal);
    const q = parseQueryOrThrow(savedQueryBodySchema, body ?? {});
    return this.unique(q, () =>
      this.runtime.savedQueries.create(this.runtime.db, principal.projectId, q),
    );
  }

  @Get(':id')
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    this.queries.authorize(principal);
    const q = await this.runtime.savedQueries.get(this.runtime.db, principal.projectId, id);
    if (!q) throw new NotFoundError(`no saved query ${id}`);
    return q;
  }

  @Put(':id')
  @ApiOperation({ summary: 'Replace a saved query' })
  async replace(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() body: unknown,
  ) {
    this.queries.authorize(principal);
    const q = parseQueryOrThrow(savedQueryBodySchema, body ?? {});
    const r = await this.unique(q, () =>
      this.runtime.savedQueries.replace(this.runtime.db, principal.projectId, id, q),
    );
    if (!r) throw new NotFoundError(`no saved query ${id}`);
    return r;
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    this.queries.authorize(principal);
    if (!(await this.runtime.savedQueries.delete(this.runtime.db, principal.projectId, id))) {
      throw new NotFoundError(`no saved query ${id}`);
    }
  }

  /** A taken name is a 409 naming the field, not a 500. */
  private async unique<T>(q: SavedQueryWrite, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (!isDuplicateName(err)) throw err;
      throw new FleetscopeError(`a saved query named "${q.name}" exists in this project`, {
        code: 'conflict',
        httpStatus: 409,
        details: [{ field: 'name', reason: 'already used by another saved query' }],
      });
    }
  }
}
