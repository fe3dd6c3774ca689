import { z } from 'zod';
import { ENVELOPE_LIMITS } from '@fleetscope/domain';
import {
  queryCursor,
  queryEnumList,
  queryLimit,
  queryList,
  queryText,
  queryTime,
  timeWindowRefinement,
} from '../common/query-params';

export const SESSION_LIST_STATUSES = ['active', 'idle', 'completed', 'error'] as const;

/** Query of GET /sessions. Unknown parameters are ignored, as on GET /events. */
export const sessionsQuerySchema = (maxLimit: number) =>
  z
    .object({
      app: queryList.optional(),
      agent_id: queryText(ENVELOPE_LIMITS.shortTextMaxLength).optional(),
      status: queryEnumList(SESSION_LIST_STATUSES).optional(),
      start_time: queryTime.optional(),
      end_time: queryTime.optional(),
      limit: queryLimit(maxLimit).optional(),
      cursor: queryCursor.optional(),
    })
    .passthrough()
    .superRefine(timeWindowRefinement);

/** Query of GET /sessions/:id: `include=events` adds the session's newest `limit` events. */
export const sessionQuerySchema = (maxLimit: number) =>
  z
    .object({
      include: queryEnumList(['events'] as const).optional(),
      limit: queryLimit(maxLimit).optional(),
    })
    .passthrough();
