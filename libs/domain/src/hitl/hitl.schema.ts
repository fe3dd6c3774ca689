/**
 * Human in the loop (HITL): an agent asks a question, a permission or a choice and waits; a
 * person answers in the dashboard; the agent receives the answer by long-polling the API.
 *
 * A request is born from an ingested event that carries `humanInTheLoop` (the DIS hook body
 * keeps it in the envelope's `attributes`), or from `POST /hitl/requests`, which ingests
 * such an event. The worker stores it in `hitl_requests`, keyed by the event id, in the same
 * transaction as the event. The answer is the DIS `HumanInTheLoopResponse`.
 *
 * NOTE: the seed's `responseWebSocketUrl` (a WebSocket server on the agent's host that the
 * server connected out to) is accepted and ignored: the agent waits on the API instead, so
 * nothing listens on the agent's machine and the server opens no outbound socket.
 */
import { z } from 'zod';
import type { EventEnvelope } from '../envelope/event-envelope.schema';
import type { FieldError } from '../errors/fleetscope-error';

export const HITL_TYPES = ['question', 'permission', 'choice'] as const;
export type HitlType = (typeof HITL_TYPES)[number];

export const HITL_STATUSES = ['pending', 'responded', 'timeout', 'cancelled'] as const;
export type HitlStatus = (typeof HITL_STATUSES)[number];

/** The seed's default: 300 s. */
export const HITL_DEFAULT_TIMEOUT_S = 300;
/** A day: nobody keeps an agent waiting longer, and a stale prompt should not linger. */
export const HITL_MAX_TIMEOUT_S = 86_400;
export const HITL_LIMITS = {
  questionMaxLength: 4096,
  maxChoices: 50,
  choiceMaxLength: 256,
  responseMaxLength: 16_384,
  respondedByMaxLength: 256,
} as const;

const choicesSchema = z
  .array(z.string().trim().min(1).max(HITL_LIMITS.choiceMaxLength))
  .max(HITL_LIMITS.maxChoices);

/**
 * `humanInTheLoop` of an event, as the DIS hooks send it. Lenient where the seed was:
 * `choices: null`, a fractional timeout; unknown keys (`responseWebSocketUrl`) are ignored.
 */
export const hitlAttributeSchema = z.object({
  question: z.string().trim().min(1).max(HITL_LIMITS.questionMaxLength),
  type: z.enum(HITL_TYPES),
  choices: choicesSchema.nullish(),
  /** Seconds. */
  timeout: z.number().finite().positive().nullish(),
  requiresResponse: z.boolean().nullish(),
  responseWebSocketUrl: z.string().nullish(),
});
export type HitlAttribute = z.infer<typeof hitlAttributeSchema>;

/** What the worker stores for a new HITL event. */
export interface HitlRequestWrite {
  project_id: string;
  id: string;
  app: string;
  session_id: string;
  agent_id: string | null;
  type: HitlType;
  question: string;
  choices: string[] | null;
  requires_response: boolean;
  created_at: string;
  expires_at: string;
}

/** A request as the API shows it (`GET /hitl/requests`, `GET /hitl/requests/:id`). */
export interface HitlRequestView {
  id: string;
  project_id: string;
  status: HitlStatus;
  type: HitlType;
  question: string;
  choices: string[] | null;
  requires_response: boolean;
  app: string;
  session_id: string;
  agent_id: string | null;
  created_at: string;
  expires_at: string;
  response: HitlResponse | null;
  responded_by: string | null;
  responded_at: string | null;
}

/** The stored answer: the DIS `HumanInTheLoopResponse`, times set by the server. */
export interface HitlResponse {
  response?: string;
  permission?: boolean;
  choice?: string;
  /** Epoch ms, set by the server (the seed overwrote the client's too). */
  respondedAt: number;
  respondedBy: string | null;
}

/** Reads the timeout in seconds: default 300, at most a day, at least one second. */
export function hitlTimeoutSeconds(timeout: number | null | undefined): number {
  if (timeout === null || timeout === undefined) return HITL_DEFAULT_TIMEOUT_S;
  return Math.min(HITL_MAX_TIMEOUT_S, Math.max(1, Math.round(timeout)));
}

/**
 * The HITL request an event asks for, or null when it carries none (or an unusable one: a
 * hook must never fail, so the event is stored either way and simply asks nothing).
 * It expires `timeout` seconds after the server RECEIVED it: the client's clock decides
 * nothing (the DIS sample's timestamp is months old).
 */
export function hitlRequestOf(e: EventEnvelope): HitlRequestWrite | null {
  const raw = e.attributes?.['humanInTheLoop'];
  if (raw === undefined || raw === null) return null;
  const parsed = hitlAttributeSchema.safeParse(raw);
  if (!parsed.success) return null;
  const h = parsed.data;
  const choices = h.choices && h.choices.length > 0 ? h.choices : null;
  if (h.type === 'choice' && choices === null) return null;
  const created = Date.parse(e.received_at);
  return {
    project_id: e.project_id,
    id: e.id,
    app: e.app,
    session_id: e.session_id,
    agent_id: e.agent_id,
    type: h.type,
    question: h.question,
    choices,
    requires_response: h.requiresResponse ?? true,
    created_at: e.received_at,
    expires_at: new Date(created + hitlTimeoutSeconds(h.timeout) * 1000).toISOString(),
  };
}

/** Body of `POST /hitl/requests` (SDKs). */
export const hitlCreateSchema = z
  .object({
    app: z.string().trim().min(1).max(256),
    session_id: z.string().trim().min(1).max(256),
    question: z.string().trim().min(1).max(HITL_LIMITS.questionMaxLength),
    type: z.enum(HITL_TYPES),
    choices: choicesSchema.optional(),
    timeout_s: z.number().int().min(1).max(HITL_MAX_TIMEOUT_S).optional(),
    agent_id: z.string().trim().min(1).max(256).optional(),
    /** Anything that helps the person answer (the tool input, a diff…); stored in the payload. */
    context: z.unknown().optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.type === 'choice' && (v.choices === undefined || v.choices.length === 0)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['choices'],
        message: 'a choice needs at least one choice',
      });
    }
  });
export type HitlCreate = z.infer<typeof hitlCreateSchema>;

/**
 * The ingest body `POST /hitl/requests` turns into: a generic event of type
 * `HumanInTheLoop` carrying `humanInTheLoop`, so it is stored, streamed live and turned into
 * a request by the worker like a hook's.
 */
export function hitlEventOf(id: string, c: HitlCreate): Record<string, unknown> {
  return {
    id,
    app: c.app,
    session_id: c.session_id,
    event_type: 'HumanInTheLoop',
    summary: c.question.slice(0, 200),
    ...(c.agent_id !== undefined ? { agent_id: c.agent_id } : {}),
    payload: { question: c.question, ...(c.context !== undefined ? { context: c.context } : {}) },
    humanInTheLoop: {
      question: c.question,
      type: c.type,
      choices: c.choices ?? null,
      timeout: c.timeout_s ?? HITL_DEFAULT_TIMEOUT_S,
      requiresResponse: true,
    },
  };
}

/** Body of `POST /hitl/requests/:id/respond` and `POST /events/:id/respond` (DIS). */
export const hitlAnswerSchema = z
  .object({
    response: z.string().max(HITL_LIMITS.responseMaxLength).optional(),
    permission: z.boolean().optional(),
    choice: z.string().max(HITL_LIMITS.choiceMaxLength).optional(),
    respondedBy: z.string().trim().max(HITL_LIMITS.respondedByMaxLength).optional(),
    // The DIS client sends these; the server keeps neither (it knows the event and the time).
    hookEvent: z.unknown().optional(),
    respondedAt: z.unknown().optional(),
  })
  .passthrough();
export type HitlAnswer = z.infer<typeof hitlAnswerSchema>;

export type HitlAnswerCheck =
  | { ok: true; answer: Omit<HitlResponse, 'respondedAt' | 'respondedBy'> }
  | { ok: false; error: FieldError };

/**
 * Checks an answer against the request's type: a permission needs a boolean `permission`, a
 * choice one of the request's `choices`, a question a non-empty `response`. Only the field
 * of the type is kept.
 */
export function checkHitlAnswer(
  type: HitlType,
  choices: readonly string[] | null,
  a: HitlAnswer,
): HitlAnswerCheck {
  switch (type) {
    case 'permission':
      if (typeof a.permission !== 'boolean') {
        return { ok: false, error: { field: 'permission', reason: 'must be true or false' } };
      }
      return { ok: true, answer: { permission: a.permission } };
    case 'choice':
      if (typeof a.choice !== 'string' || !(choices ?? []).includes(a.choice)) {
        return {
          ok: false,
          error: {
            field: 'choice',
            reason: `must be one of ${(choices ?? []).map((c) => JSON.stringify(c)).join(', ')}`,
          },
        };
      }
      return { ok: true, answer: { choice: a.choice } };
    case 'question':
      if (typeof a.response !== 'string' || a.response.trim() === '') {
        return { ok: false, error: { field: 'response', reason: 'must be a non-empty string' } };
      }
      return { ok: true, answer: { response: a.response } };
  }
}

/** Query of `GET /hitl/requests`. */
export const hitlListQuerySchema = z
  .object({
    status: z.enum(HITL_STATUSES).optional(),
    session_id: z.string().trim().min(1).max(256).optional(),
    app: z.string().trim().min(1).max(256).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();
export type HitlListQuery = z.infer<typeof hitlListQuerySchema>;

/** Longest `?wait=` of the long poll, seconds: below common proxy idle timeouts. */
export const HITL_MAX_WAIT_S = 60;
export const hitlWaitQuerySchema = z
  .object({ wait: z.coerce.number().min(0).max(HITL_MAX_WAIT_S).default(30) })
  .strict();
