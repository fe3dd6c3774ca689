import { z } from 'zod';
import { sqlParamsSchema, sqlTextSchema } from '@fleetscope/domain';

/** Body of POST /query: the WebSocket `query` message without its envelope. */
export const runQueryBodySchema = z
  .object({ sql: sqlTextSchema, params: sqlParamsSchema.optional() })
  .strict();

/** Body of POST /queries and PUT /queries/:id. */
export const savedQueryBodySchema = z
  .object({
    name: z.string().trim().min(1, 'must not be empty').max(200),
    sql: sqlTextSchema,
    description: z.string().max(2_000).nullable().optional(),
  })
  .strict();
