/** Test factory: a valid envelope with every nullable field null, overridable. For tests only. */
import type { EventEnvelope } from './event-envelope.schema';

export function sampleEnvelope(over: Partial<EventEnvelope> = {}): EventEnvelope {
  return {
    id: 'evt-1',
    project_id: 'proj-1',
    ts: '2026-01-02T03:04:05.678Z',
    received_at: '2026-01-02T03:04:06.000Z',
    source: 'generic',
    app: 'app',
    agent_id: null,
    agent_type: null,
    session_id: 'sess',
    event_type: 'llm_response',
    severity: 1,
    summary: null,
    payload: { a: 1 },
    trace_id: null,
    span_id: null,
    parent_span_id: null,
    duration_ms: null,
    status: null,
    model: null,
    provider: null,
    input_tokens: null,
    output_tokens: null,
    cache_read_tokens: null,
    cache_creation_tokens: null,
    cost_usd: null,
    tool_name: null,
    tags: null,
    attributes: null,
    ...over,
  };
}
