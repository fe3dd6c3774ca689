// Shared pieces of the benchmark scenarios: a seeded workload generator, process control,
// and result reporting (a table for people, JSON for machines, last line = headline JSON).
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const ROOT = new URL('..', import.meta.url).pathname;

/** mulberry32: small, fast, seeded; the same seed gives the same workload on every run. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOOLS = ['Bash', 'Read', 'Edit', 'Write', 'Grep', 'Glob', 'WebFetch', 'Task'];
const HOOKS = [
  'PreToolUse',
  'PostToolUse',
  'UserPromptSubmit',
  'Notification',
  'Stop',
  'SubagentStop',
];
const MODELS = ['claude-sonnet-4-5-20250929', 'gpt-4.1', 'claude-opus-4-1', 'gemini-2.5-pro'];

/**
 * One MiB of text that looks like what agents send: source lines, shell output, paths and
 * prose, drawn from a Zipf-distributed vocabulary (a few words very common, most rare), so
 * compression ratios and full-text indexing cost what they would on real payloads. Payload
 * texts are slices of it at seeded offsets.
 */
const corpora = new Map();
function corpusOf(seed) {
  const cached = corpora.get(seed);
  if (cached) return cached;
  const r = rng(seed ^ 0x5eed);
  const letters = 'etaoinshrdlcumwfgypbvkjxqz';
  const word = () => {
    const len = 2 + Math.floor(r() * r() * 11);
    let w = '';
    for (let i = 0; i < len; i++) w += letters[Math.floor(r() * r() * letters.length)];
    return w;
  };
  const vocabulary = Array.from({ length: 4000 }, word);
  // Zipf(1): the k-th word is drawn with probability proportional to 1/k.
  const weights = vocabulary.map((_, k) => 1 / (k + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative = [];
  let acc = 0;
  for (const w of weights) cumulative.push((acc += w / total));
  const zipf = () => {
    const x = r();
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return vocabulary[lo];
  };
  const line = () => {
    const kind = r();
    const words = Array.from({ length: 3 + Math.floor(r() * 9) }, zipf);
    if (kind < 0.35) {
      const [a, b, ...rest] = words;
      return `  const ${a}${b.charAt(0).toUpperCase()}${b.slice(1)} = await ${rest.join('.')}(${Math.floor(r() * 1000)});`;
    }
    if (kind < 0.55)
      return `src/${words.slice(0, 3).join('/')}.ts:${Math.floor(r() * 900)}: ${words.slice(3).join(' ')}`;
    if (kind < 0.7) return `$ ${words[0]} --${words[1]} ${words.slice(2).join(' ')}`;
    const sentence = words.join(' ');
    return `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.`;
  };
  let text = '';
  while (text.length < 1 << 20) text += `${line()}\n`;
  corpora.set(seed, text);
  return text;
}

/**
 * A realistic mix: 60 % Claude Code hook events with 0.5–4 KB tool payloads, 30 % SDK LLM
 * calls with tokens and cost, 10 % OTLP-like spans; 200 agents, 2,000 sessions, each session
 * belonging to one agent's app (spans of a session come from one of 20 services).
 */
export function makeWorkload(seed, n) {
  const r = rng(seed);
  const pick = (a) => a[Math.floor(r() * a.length)];
  const corpus = corpusOf(seed);
  const text = (bytes) => {
    const n = Math.max(0, Math.floor(bytes));
    const at = Math.floor(r() * (corpus.length - n));
    return corpus.slice(at, at + n);
  };
  const out = [];
  const now = Date.now();
  for (let i = 0; i < n; i++) {
    // A session is one agent's work: its app and agent follow from it.
    const s = Math.floor(r() * 2000);
    const session = `sess-${s}`;
    const kind = r();
    const ts = now - Math.floor(r() * 60_000);
    if (kind < 0.6) {
      const tool = pick(TOOLS);
      out.push({
        source_app: `fleet-${s % 200}`,
        session_id: session,
        hook_event_type: pick(HOOKS),
        timestamp: ts,
        model_name: pick(MODELS),
        payload: {
          session_id: session,
          cwd: '/repo',
          hook_event_name: 'PreToolUse',
          tool_name: tool,
          tool_input: { command: `run ${tool}`, content: text(500 + r() * 3500) },
        },
      });
    } else if (kind < 0.9) {
      const model = pick(MODELS);
      out.push({
        app: `sdk-agent-${s % 200}`,
        agent_id: `agent-${s % 200}`,
        event_type: r() < 0.05 ? 'error' : 'llm_response',
        session_id: session,
        timestamp: new Date(ts).toISOString(),
        model,
        input_tokens: Math.floor(r() * 4000),
        output_tokens: Math.floor(r() * 800),
        cost_usd: Math.round(r() * 1000) / 100000,
        duration_ms: Math.floor(200 + r() * 4000),
        payload: {
          provider: model.startsWith('gpt') ? 'openai' : 'anthropic',
          prompt: text(200 + r() * 600),
        },
      });
    } else {
      out.push({
        app: `svc-${s % 20}`,
        event_type: 'span',
        session_id: session,
        timestamp: new Date(ts).toISOString(),
        trace_id: Math.floor(r() * 2 ** 52)
          .toString(16)
          .padStart(32, '0'),
        span_id: Math.floor(r() * 2 ** 52)
          .toString(16)
          .padStart(16, '0'),
        duration_ms: Math.floor(r() * 2000),
        payload: { 'gen_ai.operation.name': 'chat', attrs: text(100 + r() * 400) },
      });
    }
  }
  return out;
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export function servicesUp() {
  execFileSync('bash', [join(ROOT, 'infra/local/services.sh'), 'up'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const env = {};
  for (const line of readFileSync(join(ROOT, '.local/services.env'), 'utf8').split('\n')) {
    const m = /^export (\w+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
  }
  return env;
}

export function ensureBuilt() {
  if (!existsSync(join(ROOT, 'apps/api/dist/main.js')))
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
}

export function startNode(script, args, env, nodeArgs = []) {
  const child = spawn(process.execPath, [...nodeArgs, join(ROOT, script), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (b) => (err = (err + b).slice(-5000)));
  const exited = new Promise((r) => child.once('exit', r));
  return {
    child,
    stderr: () => err,
    stop: async () => {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15000))]);
      child.kill('SIGKILL');
    },
  };
}

export async function waitReady(url, proc, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`process exited: ${proc.stderr()}`);
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not ready: ${url}`);
}

export const tempDir = (p) => mkdtempSync(join(tmpdir(), p));

export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function machine() {
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model,
    memory_gib: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
}

/** Prints the table, writes bench/results/<scenario>-<time>.json, ends with the headline JSON line. */
export function report(scenario, rows, headline, extra = {}) {
  const cols = Object.keys(rows[0] ?? {});
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (vals) => vals.map((v, i) => String(v).padEnd(widths[i])).join('  ');
  console.log(`\n${scenario}`);
  console.log(line(cols));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(cols.map((c) => r[c])));
  const result = {
    scenario,
    at: new Date().toISOString(),
    machine: machine(),
    rows,
    ...extra,
    headline,
  };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const file = join(ROOT, 'bench/results', `${scenario}-${result.at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2));
  console.log(`\nresults: ${file}`);
  console.log(JSON.stringify({ scenario, ...headline }));
}

/** Creates a database for one run on the local PostgreSQL; returns its URL. */
export async function createDatabase(adminUrl, name) {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * Drops a run's database. FORCE refuses (42501) while an autovacuum worker is in it and the
 * user is not a superuser; that ends within a moment, so it tries again.
 */
export async function dropDatabase(adminUrl, name) {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        return;
      } catch (err) {
        if (err.code !== '42501' || attempt >= 20) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  } finally {
    await c.end();
  }
}
