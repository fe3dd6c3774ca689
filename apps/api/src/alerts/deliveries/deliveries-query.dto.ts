import { z } from 'zod';
import { DELIVERY_STATUSES } from '@fleetscope/domain';
import { queryEnumList, queryLimit, queryText } from '../../common/query-params';

export const deliveriesQuerySchema = z
  .object({
    alert_id: queryText(256).optional(),
    channel_id: queryText(128).optional(),
    status: queryEnumList(DELIVERY_STATUSES).optional(),
    limit: queryLimit(1000).optional(),
  })
  .strict();
