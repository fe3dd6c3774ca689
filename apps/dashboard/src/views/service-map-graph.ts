/**
 * The service map's graph, from traces' span trees: a node per agent (app, plus the agent
 * the span's events name), an edge wherever a span's parent belongs to another agent
 * (an orchestrator invoking a worker, a Claude Code session launching a subagent), weighted
 * by the number of such calls, with the calls that ended in error counted apart.
 * And a layered layout (longest path from the callers, left to right) for the SVG.
 */
import type { TraceDetail, TraceSpan } from '../api/sessions';
import type { ApiEvent } from '../lib/types';

export interface MapNode {
  id: string;
  app: string;
  agent: string | null;
  label: string;
  spans: number;
  errors: number;
}

export interface MapEdge {
  id: string;
  from: string;
  to: string;
  calls: number;
  errors: number;
}

export interface Graph {
  nodes: Map<string, MapNode>;
  edges: Map<string, MapEdge>;
}

const SEP = '\u0000';

/**
 * The agent a span's own events name. Claude Code subagents have a fresh id per run, so
 * they are named by their type (Explore, Plan, …), which only some of their events carry.
 */
function agentOfSpan(
  span: TraceSpan,
  events: Map<string, ApiEvent>,
  typeOf: Map<string, string>,
): string | null {
  for (const id of span.event_ids) {
    const e = events.get(id);
    if (!e?.agent_id) continue;
    return e.source === 'claude_code' ? (typeOf.get(e.agent_id) ?? e.agent_id) : e.agent_id;
  }
  return null;
}

export function emptyGraph(): Graph {
  return { nodes: new Map(), edges: new Map() };
}

/**
 * Adds one trace's spans to the graph. A call counts as failed when the called span, or a
 * span under it within the same agent, is an error (a tool call failing inside the worker).
 */
export function addTrace(g: Graph, trace: Pick<TraceDetail, 'spans' | 'events'>): void {
  const events = new Map(trace.events.map((e) => [e.id, e]));
  const typeOf = new Map<string, string>();
  for (const e of trace.events)
    if (e.source === 'claude_code' && e.agent_id && e.agent_type)
      typeOf.set(e.agent_id, e.agent_type);
  const visit = (span: TraceSpan, parent: MapNode | null): { node: MapNode; failed: boolean } => {
    const own = agentOfSpan(span, events, typeOf);
    // A span naming no agent belongs to its parent's agent when in the same app (an LLM
    // call inside an agent), else to its app.
    const agent = own ?? (parent && parent.app === span.app ? parent.agent : null);
    const id = `${span.app}${SEP}${agent ?? ''}`;
    let node = g.nodes.get(id);
    if (!node) {
      node = {
        id,
        app: span.app,
        agent,
        label: agent && agent !== span.app ? `${span.app} · ${agent}` : span.app,
        spans: 0,
        errors: 0,
      };
      g.nodes.set(id, node);
    }
    node.spans += 1;
    let failed = span.status === 'error';
    if (failed) node.errors += 1;
    for (const c of span.children) {
      const child = visit(c, node);
      if (child.failed && child.node === node) failed = true;
    }
    if (parent && parent !== node) {
      const eid = `${parent.id}${SEP}${SEP}${id}`;
      let edge = g.edges.get(eid);
      if (!edge) {
        edge = { id: eid, from: parent.id, to: id, calls: 0, errors: 0 };
        g.edges.set(eid, edge);
      }
      edge.calls += 1;
      if (failed) edge.errors += 1;
    }
    return { node, failed };
  };
  for (const root of trace.spans) visit(root, null);
}

export interface Placed {
  node: MapNode;
  x: number;
  y: number;
  layer: number;
}

export interface Layout {
  width: number;
  height: number;
  placed: Map<string, Placed>;
}

export const NODE_W = 200;
export const NODE_H = 44;
const COL_GAP = 110;
const ROW_GAP = 28;
const PAD = 16;

/** Layers by the longest call path from a node nobody calls; cycles are cut where met. */
export function layout(g: Graph): Layout {
  const out = new Map<string, string[]>();
  const indeg = new Map<string, number>();
  for (const n of g.nodes.keys()) {
    out.set(n, []);
    indeg.set(n, 0);
  }
  for (const e of g.edges.values()) {
    out.get(e.from)?.push(e.to);
    indeg.set(e.to, (indeg.get(e.to) ?? 0) + 1);
  }
  const layer = new Map<string, number>();
  const onPath = new Set<string>();
  const place = (id: string, depth: number) => {
    if (onPath.has(id) || (layer.get(id) ?? -1) >= depth) return;
    layer.set(id, depth);
    onPath.add(id);
    for (const to of out.get(id) ?? []) place(to, depth + 1);
    onPath.delete(id);
  };
  const roots = [...g.nodes.keys()].filter((n) => indeg.get(n) === 0);
  for (const r of roots.length ? roots : [...g.nodes.keys()].slice(0, 1)) place(r, 0);
  // Nodes only reachable through a cycle.
  for (const n of g.nodes.keys()) if (!layer.has(n)) place(n, 0);

  const columns: string[][] = [];
  for (const [id, l] of layer) (columns[l] ??= []).push(id);
  for (const col of columns)
    col?.sort((a, b) => g.nodes.get(a)!.label.localeCompare(g.nodes.get(b)!.label));
  const rows = Math.max(1, ...columns.map((c) => c?.length ?? 0));
  const height = PAD * 2 + rows * NODE_H + (rows - 1) * ROW_GAP;
  const placed = new Map<string, Placed>();
  columns.forEach((col, l) => {
    if (!col) return;
    const colHeight = col.length * NODE_H + (col.length - 1) * ROW_GAP;
    const top = (height - colHeight) / 2;
    col.forEach((id, i) =>
      placed.set(id, {
        node: g.nodes.get(id)!,
        layer: l,
        x: PAD + l * (NODE_W + COL_GAP),
        y: top + i * (NODE_H + ROW_GAP),
      }),
    );
  });
  const width = PAD * 2 + columns.length * NODE_W + Math.max(0, columns.length - 1) * COL_GAP;
  return { width, height, placed };
}
