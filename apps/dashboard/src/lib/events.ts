/**
 * How an event reads in a list: an icon per type, and a one-line detail for Claude Code
 * tools (the command, file, pattern, URL, subagent, …) the way the hook dashboard showed it.
 */
import type { EventEnvelope } from './types';

const TYPE_ICONS: Record<string, string> = {
  PreToolUse: '🔧',
  PostToolUse: '✅',
  PostToolUseFailure: '💥',
  PermissionRequest: '🔐',
  Notification: '🔔',
  Stop: '🛑',
  SubagentStart: '🐣',
  SubagentStop: '👥',
  PreCompact: '📦',
  UserPromptSubmit: '💬',
  SessionStart: '🚀',
  SessionEnd: '🏁',
  HumanInTheLoop: '🙋',
  llm_call: '🧠',
  llm_request: '🧠',
  llm_response: '🧠',
  tool_call: '🔧',
  error: '❌',
  span: '📏',
  log: '📝',
  metric: '📈',
  agent_start: '🚀',
  agent_end: '🏁',
};

const TOOL_ICONS: Record<string, string> = {
  Bash: '💻',
  Read: '📄',
  Write: '✍️',
  Edit: '✏️',
  MultiEdit: '✏️',
  Glob: '🔎',
  Grep: '🔍',
  WebFetch: '🌐',
  WebSearch: '🌐',
  Task: '🤖',
  Agent: '🤖',
  TodoWrite: '📋',
  NotebookEdit: '📓',
};

export function typeIcon(e: Pick<EventEnvelope, 'event_type' | 'tool_name' | 'severity'>): string {
  const base = TYPE_ICONS[e.event_type] ?? (e.severity >= 3 ? '❌' : '❓');
  const tool = e.tool_name ? TOOL_ICONS[e.tool_name] : undefined;
  return tool ? `${base}${tool}` : base;
}

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.length > 0 ? v : undefined;

const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

const basename = (p: string): string => p.split(/[\\/]/).filter(Boolean).pop() ?? p;

function record(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : {};
}

/** The one line under an event's badges; null when there is nothing better than the summary. */
export function eventDetail(e: EventEnvelope): string | null {
  const p = record(e.payload);
  switch (e.event_type) {
    case 'UserPromptSubmit': {
      const prompt = str(p['prompt']);
      return prompt ? `Prompt: "${clip(prompt, 100)}"` : null;
    }
    case 'PreCompact':
      return `Compaction: ${p['trigger'] === 'manual' ? 'Manual compaction' : 'Auto-compaction (full context)'}`;
    case 'SessionStart': {
      const source = str(p['source']);
      return `Session: ${source === 'resume' ? 'Resuming session' : source === 'startup' ? 'New session' : 'Fresh session'}`;
    }
    default:
      break;
  }
  const input = record(p['tool_input']);
  if (e.tool_name || Object.keys(input).length) return toolDetail(e.tool_name ?? '', input);
  return null;
}

export function toolDetail(tool: string, input: Record<string, unknown>): string | null {
  const command = str(input['command']);
  if (command) return clip(command, 50);
  const file = str(input['file_path']) ?? str(input['notebook_path']) ?? str(input['path']);
  if (file && tool !== 'Grep' && tool !== 'Glob') return basename(file);
  const pattern = str(input['pattern']);
  if (pattern) return `pattern: ${clip(pattern, 50)}`;
  const url = str(input['url']);
  if (url) return clip(url, 60);
  const query = str(input['query']);
  if (query) return `query: ${clip(query, 60)}`;
  const subagent = str(input['subagent_type']);
  if (subagent) return `${subagent}: ${clip(str(input['description']) ?? '', 60)}`;
  const recipient = str(input['recipient']);
  if (recipient) return `→ ${recipient}: ${clip(str(input['summary']) ?? '', 50)}`;
  const subject = str(input['subject']);
  if (subject) return clip(subject, 60);
  const taskId = str(input['taskId']) ?? str(input['task_id']);
  if (taskId)
    return str(input['status']) ? `#${taskId} → ${String(input['status'])}` : `task: ${taskId}`;
  const team = str(input['team_name']);
  if (team) return team;
  const skill = str(input['skill']);
  if (skill) return skill;
  return null;
}

/** Whether a text query (plain or /regex/i) matches an event's visible text and payload. */
export function makeMatcher(q: string, regex: boolean): ((e: EventEnvelope) => boolean) | Error {
  if (!q) return () => true;
  let test: (s: string) => boolean;
  if (regex) {
    try {
      const re = new RegExp(q, 'i');
      test = (s) => re.test(s);
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  } else {
    const needle = q.toLowerCase();
    test = (s) => s.toLowerCase().includes(needle);
  }
  return (e) =>
    test(
      [
        e.app,
        e.agent_id ?? '',
        e.session_id,
        e.event_type,
        e.tool_name ?? '',
        e.summary ?? '',
        eventDetail(e) ?? '',
        JSON.stringify(e.payload),
      ].join(' '),
    );
}

/** The agent an event belongs to, as the strip and the swim lanes name it. */
export const agentOf = (e: Pick<EventEnvelope, 'app' | 'agent_id' | 'session_id'>): string =>
  e.agent_id ? `${e.app}:${e.agent_id}` : `${e.app}:${e.session_id.slice(0, 8)}`;
