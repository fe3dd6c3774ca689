import { z } from 'zod';
import { ENVELOPE_LIMITS, EVENT_STATUSES } from '@fleetscope/domain';
import {
  queryCursor,
  queryEnumList,
  queryLimit,
  queryList,
  queryNonNegative,
  queryText,
  queryTime,
  timeWindowRefinement,
} from '../common/query-params';

/** Query of GET /traces. Unknown parameters are ignored, as on GET /events. */
export const tracesQuerySchema = (maxLimit: number) =>
  z
    .object({
      app: queryList.optional(),
      session_id: queryText(ENVELOPE_LIMITS.sessionIdMaxLength).optional(),
      status: queryEnumList(EVENT_STATUSES).optional(),
      start_time: queryTime.optional(),
      end_time: queryTime.optional(),
      min_duration_ms: queryNonNegative.optional(),
      limit: queryLimit(maxLimit).optional(),
      cursor: queryCursor.optional(),
    })
    .passthrough()
    .superRefine(timeWindowRefinement);
