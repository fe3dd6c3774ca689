/**
 * A Claude Code chat transcript (the JSONL entries a Stop hook sends with `--add-chat`):
 * search, role filter chips, "Showing X of Y messages", copy all, and one card per entry
 * with its text, tool calls, tool results and token counts, raw JSON on demand.
 */
import { memo, useMemo, useState } from 'react';

export type Role = 'user' | 'assistant' | 'system' | 'tool_use' | 'tool_result';

const ROLES: { value: Role; label: string; icon: string }[] = [
  { value: 'user', label: 'User', icon: '👤' },
  { value: 'assistant', label: 'Assistant', icon: '🤖' },
  { value: 'system', label: 'System', icon: '⚙️' },
  { value: 'tool_use', label: 'Tool use', icon: '🔧' },
  { value: 'tool_result', label: 'Tool result', icon: '✅' },
];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
// eslint-disable-next-line no-control-regex -- ANSI escape sequences are what it strips
const ANSI = new RegExp('\u001b\\[[0-9;]*[A-Za-z]', 'g');
const clean = (s: string) => s.replace(ANSI, '');

interface Block {
  kind: 'text' | 'thinking' | 'tool_use' | 'tool_result' | 'other';
  text?: string;
  name?: string;
  input?: unknown;
  error?: boolean;
  toolUseId?: string;
  raw: unknown;
}

export interface Message {
  index: number;
  role: string;
  roles: Set<Role>;
  blocks: Block[];
  timestamp: string | null;
  model: string | null;
  usage: { input: number | null; output: number | null } | null;
  toolUseId: string | null;
  raw: unknown;
  /** Lower-cased searchable text. */
  haystack: string;
}

function blocksOf(content: unknown): Block[] {
  if (typeof content === 'string') return [{ kind: 'text', text: clean(content), raw: content }];
  if (!Array.isArray(content)) return content == null ? [] : [{ kind: 'other', raw: content }];
  return content.map((b): Block => {
    if (typeof b === 'string') return { kind: 'text', text: clean(b), raw: b };
    if (!isObj(b)) return { kind: 'other', raw: b };
    switch (b['type']) {
      case 'text':
        return { kind: 'text', text: clean(str(b['text']) ?? ''), raw: b };
      case 'thinking':
        return { kind: 'thinking', text: str(b['thinking']) ?? '', raw: b };
      case 'tool_use':
        return { kind: 'tool_use', name: str(b['name']) ?? 'tool', input: b['input'], raw: b };
      case 'tool_result': {
        const c = b['content'];
        const text = Array.isArray(c)
          ? c.map((x) => (isObj(x) ? (str(x['text']) ?? JSON.stringify(x)) : String(x))).join('\n')
          : typeof c === 'string'
            ? c
            : JSON.stringify(c ?? '');
        return {
          kind: 'tool_result',
          text: clean(text),
          error: b['is_error'] === true,
          toolUseId: str(b['tool_use_id']) ?? undefined,
          raw: b,
        };
      }
      default:
        return { kind: 'other', raw: b };
    }
  });
}

/** One transcript entry as a message; understands Claude Code entries and plain {role, content}. */
export function toMessage(entry: unknown, index: number): Message {
  const e = isObj(entry) ? entry : { content: entry };
  const msg = isObj(e['message']) ? e['message'] : null;
  const role = str(e['type']) ?? str(msg?.['role']) ?? str(e['role']) ?? 'unknown';
  const blocks = blocksOf(msg ? msg['content'] : (e['content'] ?? e['text']));
  const roles = new Set<Role>();
  if (role === 'assistant') roles.add('assistant');
  else if (role === 'system') roles.add('system');
  if (blocks.some((b) => b.kind === 'tool_use')) roles.add('tool_use');
  if (blocks.some((b) => b.kind === 'tool_result')) roles.add('tool_result');
  // A user entry that only carries tool results is the tool's answer, not the person's.
  if (role === 'user' && blocks.some((b) => b.kind !== 'tool_result')) roles.add('user');
  if (role === 'user' && blocks.length === 0) roles.add('user');
  const usage = isObj(msg?.['usage']) ? msg['usage'] : null;
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  return {
    index,
    role,
    roles,
    blocks,
    timestamp: str(e['timestamp']),
    model: str(msg?.['model']),
    usage: usage
      ? { input: num(usage['input_tokens']), output: num(usage['output_tokens']) }
      : null,
    toolUseId: str(e['toolUseID']) ?? str(e['tool_use_id']),
    raw: entry,
    haystack: clean(JSON.stringify(entry) ?? '').toLowerCase(),
  };
}

export function ChatTranscript({ chat }: { chat: unknown[] }) {
  const messages = useMemo(() => chat.map(toMessage), [chat]);
  const [query, setQuery] = useState('');
  const [roles, setRoles] = useState<Set<Role>>(new Set());
  const [copied, setCopied] = useState<'ok' | 'fail' | null>(null);

  const counts = useMemo(() => {
    const c = new Map<Role, number>();
    for (const m of messages) for (const r of m.roles) c.set(r, (c.get(r) ?? 0) + 1);
    return c;
  }, [messages]);

  const visible = useMemo(() => {
    const needle = query.trim().toLowerCase();
    return messages.filter(
      (m) =>
        (roles.size === 0 || [...m.roles].some((r) => roles.has(r))) &&
        (!needle || m.haystack.includes(needle)),
    );
  }, [messages, roles, query]);

  const toggle = (r: Role) =>
    setRoles((cur) => {
      const next = new Set(cur);
      if (next.has(r)) next.delete(r);
      else next.add(r);
      return next;
    });

  const copyAll = () =>
    navigator.clipboard
      .writeText(
        JSON.stringify(
          visible.map((m) => m.raw),
          null,
          2,
        ),
      )
      .then(
        () => setCopied('ok'),
        () => setCopied('fail'),
      )
      .finally(() => setTimeout(() => setCopied(null), 1500));

  return (
    <div className="transcript" data-testid="transcript">
      <div className="toolbar">
        <label className="grow">
          Search the transcript
          <input
            type="search"
            value={query}
            placeholder="text, tool, input, result"
            onChange={(e) => setQuery(e.target.value)}
          />
        </label>
        <button type="button" className="btn" onClick={() => void copyAll()}>
          {copied === 'ok'
            ? '✅ Copied'
            : copied === 'fail'
              ? '❌ Copy failed'
              : visible.length === messages.length
                ? '📋 Copy all'
                : `📋 Copy ${visible.length} shown`}
        </button>
      </div>
      <div className="chips" role="group" aria-label="Filter by role">
        {ROLES.map((r) => (
          <button
            key={r.value}
            type="button"
            className="chip"
            aria-pressed={roles.has(r.value)}
            onClick={() => toggle(r.value)}
          >
            <span aria-hidden="true">{r.icon}</span> {r.label}{' '}
            <span className="muted">{counts.get(r.value) ?? 0}</span>
          </button>
        ))}
        {roles.size || query ? (
          <button
            type="button"
            className="chip"
            onClick={() => {
              setRoles(new Set());
              setQuery('');
            }}
          >
            ✕ Clear
          </button>
        ) : null}
      </div>
      <p className="muted" role="status" data-testid="transcript-count">
        Showing {visible.length} of {messages.length} messages
      </p>
      <ol className="messages">
        {visible.map((m) => (
          <MessageCard key={m.index} m={m} />
        ))}
      </ol>
    </div>
  );
}

const ROLE_ICON: Record<string, string> = { user: '👤', assistant: '🤖', system: '⚙️' };

const MessageCard = memo(function MessageCard({ m }: { m: Message }) {
  const [raw, setRaw] = useState(false);
  const toolOnly = m.roles.has('tool_result') && !m.roles.has('user');
  const cls = toolOnly ? 'tool' : m.role;
  return (
    <li className={`message message-${cls}`} data-role={[...m.roles].join(' ')}>
      <div className="row">
        <strong>
          <span aria-hidden="true">{toolOnly ? '✅' : (ROLE_ICON[m.role] ?? '📄')}</span>{' '}
          {toolOnly ? 'Tool result' : m.role}
        </strong>
        {m.model ? <span className="badge">{m.model}</span> : null}
        {m.toolUseId ? <span className="badge mono">Tool ID {m.toolUseId}</span> : null}
        <span className="grow" />
        {m.timestamp ? (
          <time className="muted" dateTime={m.timestamp}>
            {new Date(m.timestamp).toLocaleTimeString(undefined, { hour12: false })}
          </time>
        ) : null}
        <button
          type="button"
          className="btn small"
          aria-expanded={raw}
          onClick={() => setRaw(!raw)}
        >
          {raw ? 'Hide details' : 'Show details'}
        </button>
        <button
          type="button"
          className="btn small"
          onClick={() => void navigator.clipboard?.writeText(JSON.stringify(m.raw, null, 2))}
        >
          📋 Copy
        </button>
      </div>
      {m.blocks.map((b, i) => (
        <BlockView key={i} b={b} />
      ))}
      {m.usage ? (
        <div className="muted small-text">
          Tokens: {m.usage.input ?? '–'} in / {m.usage.output ?? '–'} out
        </div>
      ) : null}
      {raw ? <pre className="json">{JSON.stringify(m.raw, null, 2)}</pre> : null}
    </li>
  );
});

function BlockView({ b }: { b: Block }) {
  switch (b.kind) {
    case 'text':
      return <p className="message-text">{b.text}</p>;
    case 'thinking':
      return <p className="message-text muted">💭 {b.text}</p>;
    case 'tool_use':
      return (
        <div className="tool-block">
          <strong>🔧 {b.name}</strong>
          <pre className="json">{JSON.stringify(b.input ?? {}, null, 2)}</pre>
        </div>
      );
    case 'tool_result':
      return (
        <div className={`tool-block${b.error ? ' error' : ''}`}>
          <strong>{b.error ? '❌ Error output' : '↩ Output'}</strong>
          {b.toolUseId ? <span className="muted mono small-text"> {b.toolUseId}</span> : null}
          <pre className="json">{b.text}</pre>
        </div>
      );
    default:
      return <pre className="json">{JSON.stringify(b.raw, null, 2)}</pre>;
  }
}
