/**
 * Shared test fixtures: the seed wire shapes from seed-systems.md A.3, close to verbatim.
 * Only imported by `*.spec.ts` files (not exported from the package index).
 */
import type { NormalizeContext } from './normalize-events';

/** After both samples' client timestamps, within the 365-day window of each. */
export const RECEIVED_AT = new Date('2025-07-15T00:00:00.000Z');

export function testContext(overrides: Partial<NormalizeContext> = {}): NormalizeContext {
  return { projectId: 'proj-1', receivedAt: RECEIVED_AT, maxEventBytes: 1_048_576, ...overrides };
}

/** A.3 (1): DIS PreToolUse as POSTed by send_event.py --summarize. */
export function disPreToolUse(): Record<string, unknown> {
  return {
    source_app: 'my-api-server',
    session_id: '4c1f9a2e-7d3b-4b8e-9a11-0f2d5c6e7a88',
    hook_event_type: 'PreToolUse',
    payload: {
      session_id: '4c1f9a2e-7d3b-4b8e-9a11-0f2d5c6e7a88',
      transcript_path: '/home/u/.claude/projects/repo/4c1f9a2e-7d3b-4b8e-9a11-0f2d5c6e7a88.jsonl',
      cwd: '/repo',
      permission_mode: 'default',
      hook_event_name: 'PreToolUse',
      tool_name: 'Bash',
      tool_input: { command: 'npm test', description: 'Run tests' },
      tool_use_id: 'toolu_01AbC',
    },
    timestamp: 1739030000123,
    model_name: 'claude-sonnet-4-5-20250929',
    tool_name: 'Bash',
    tool_use_id: 'toolu_01AbC',
    summary: 'Runs npm test to execute the project test suite',
  };
}

/** A.3 (2): DIS human-in-the-loop request. */
export function disHitl(): Record<string, unknown> {
  return {
    source_app: 'hitl_example',
    session_id: 'example_session_456',
    hook_event_type: 'HumanInTheLoop',
    payload: {},
    timestamp: 1739030000999,
    humanInTheLoop: {
      question: 'Allow rm -rf /tmp/test_data?',
      responseWebSocketUrl: 'ws://localhost:54321',
      type: 'permission',
      choices: null,
      timeout: 300,
      requiresResponse: true,
    },
  };
}

/** A.3 (3): DIS Stop with chat (--add-chat). */
export function disStopWithChat(): Record<string, unknown> {
  return {
    source_app: 'x',
    session_id: '9d2c7a10-0000-4000-8000-000000000001',
    hook_event_type: 'Stop',
    payload: { stop_hook_active: false, hook_event_name: 'Stop' },
    stop_hook_active: false,
    timestamp: 1739030005000,
    model_name: 'claude-opus-4-1-20250805',
    chat: [
      {
        type: 'user',
        uuid: 'u1',
        sessionId: 's',
        timestamp: '2025-02-08T15:53:20.000Z',
        message: { role: 'user', content: 'fix the bug' },
      },
      {
        type: 'assistant',
        message: {
          model: 'claude-opus-4-1-20250805',
          content: [
            { type: 'text', text: 'ok' },
            { type: 'tool_use', name: 'Edit', input: {} },
          ],
          usage: { input_tokens: 1200, output_tokens: 300 },
        },
      },
      { type: 'system', content: 'PreToolUse:Read …', toolUseID: 'toolu_x' },
    ],
  };
}

/** A.3 (4): EZ SDK event from the Python UniversalAgentObserver. */
export function ezLlmResponse(): Record<string, unknown> {
  return {
    timestamp: '2025-07-14T20:40:50.735788+00:00',
    app: 'MyGPT-Agent',
    session_id: 'MyGPT-Agent-1752525649',
    event_type: 'llm_response',
    summary: 'Received response from openai/gpt-4 in 1.23s',
    payload: {
      provider: 'openai',
      model: 'gpt-4',
      duration: 1.23,
      response_type: 'ChatCompletion',
      has_content: true,
      agent_type: 'openai',
      event_number: 1,
      session_duration: 1.53,
    },
  };
}

/** A.3 (5): EZ Claude hook event (pre_tool_use.py). */
export function ezPreToolUse(): Record<string, unknown> {
  return {
    timestamp: '2025-07-14T20:41:00.000Z',
    app: 'EzAigents',
    session_id: 'default',
    event_type: 'pre_tool_use',
    summary: null,
    payload: {
      tool: 'unknown',
      params: {},
      hook_data: { tool_name: 'Read', tool_input: { file_path: '/x' } },
    },
  };
}
