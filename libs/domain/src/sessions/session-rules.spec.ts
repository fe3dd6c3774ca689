import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sampleEnvelope } from '../envelope/test-fixtures';
import {
  isClaudeCodeHookEvent,
  isToolCallEvent,
  promptOf,
  sessionContributionOf,
  sessionStatusAfter,
  SESSION_PROMPT_MAX_LENGTH,
} from './session-rules';

describe('session rules', () => {
  it('recognises Claude Code hook events by source, or by hook type on other paths', () => {
    assert.ok(isClaudeCodeHookEvent({ source: 'claude_code', event_type: 'anything' }));
    assert.ok(isClaudeCodeHookEvent({ source: 'kafka', event_type: 'PreToolUse' }));
    assert.ok(!isClaudeCodeHookEvent({ source: 'generic', event_type: 'pre_tool_use' }));
  });

  it('counts one tool call per call: PreToolUse for hooks, non-completion events naming a tool otherwise', () => {
    const hook = (event_type: string) =>
      isToolCallEvent({ source: 'claude_code', event_type, tool_name: 'Bash' });
    assert.equal(hook('PreToolUse'), true);
    for (const t of ['PostToolUse', 'PostToolUseFailure', 'PermissionRequest'])
      assert.equal(hook(t), false, t);
    const generic = (event_type: string, tool_name: string | null = 'search') =>
      isToolCallEvent({ source: 'generic', event_type, tool_name });
    assert.equal(generic('tool_use'), true);
    assert.equal(generic('function_call_start'), true);
    assert.equal(generic('execute_tool'), true);
    for (const t of ['function_call_complete', 'tool_result', 'tool.end', 'ToolError', 'toolDone'])
      assert.equal(generic(t), false, t);
    assert.equal(generic('tool_use', null), false, 'no tool named');
  });

  it('derives the status the session has when this event is its latest', () => {
    assert.equal(
      sessionStatusAfter({ event_type: 'PreToolUse', severity: 1, status: null }),
      'active',
    );
    assert.equal(
      sessionStatusAfter({ event_type: 'Stop', severity: 1, status: null }),
      'completed',
    );
    assert.equal(
      sessionStatusAfter({ event_type: 'SessionEnd', severity: 1, status: null }),
      'completed',
    );
    assert.equal(
      sessionStatusAfter({ event_type: 'agent_end', severity: 1, status: null }),
      'completed',
    );
    assert.equal(sessionStatusAfter({ event_type: 'step', severity: 1, status: 'error' }), 'error');
    assert.equal(
      sessionStatusAfter({ event_type: 'agent_end', severity: 3, status: null }),
      'error',
    );
  });

  it('keeps the prompt of UserPromptSubmit, whitespace collapsed and bounded', () => {
    assert.equal(
      promptOf({ event_type: 'UserPromptSubmit', payload: { prompt: ' fix\n\n the   bug ' } }),
      'fix the bug',
    );
    assert.equal(promptOf({ event_type: 'UserPromptSubmit', payload: { prompt: '   ' } }), null);
    assert.equal(promptOf({ event_type: 'llm_request', payload: { prompt: 'x' } }), null);
    const long = promptOf({ event_type: 'UserPromptSubmit', payload: { prompt: 'é'.repeat(500) } });
    assert.equal(Array.from(long!).length, SESSION_PROMPT_MAX_LENGTH);
    assert.ok(long!.endsWith('…'));
  });

  it('maps an event to its contribution', () => {
    const c = sessionContributionOf(
      sampleEnvelope({
        source: 'claude_code',
        event_type: 'PostToolUseFailure',
        severity: 3,
        status: 'error',
        tool_name: 'Bash',
        cost_usd: 0.25,
      }),
    );
    assert.equal(c.error, true);
    assert.equal(c.tool_call, false);
    assert.equal(c.status, 'error');
    assert.equal(c.cost_usd, 0.25);
    assert.equal(c.session_id, 'sess');
  });
});
