/**
 * The service map's graph, from traces' span trees: a node per agent (app, plus the agent
 * the span's events name), an edge wherever a span's parent belongs to another agent
 * (an orchestrator invoking a worker, a Claude Code session launching a subagent), weighted
 * by the number of such calls, with the calls that ended in error counted apart.
 * And a layered layout for the SVG (longest path from the callers; left to right, or top
 * to bottom on narrow screens).
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

/** Callers to the left of what they call (`h`), or above it (`v`, for narrow screens). */
export type Direction = 'h' | 'v';

export interface Layout {
  dir: Direction;
  width: number;
  height: number;
  placed: Map<string, Placed>;
}

export const NODE_W = 200;
export const NODE_H = 44;
/** Space between layers, along the calls: room for an edge and its label. */
const LAYER_GAP = { h: 110, v: 64 };
/** Space between nodes of one layer, and between unconnected groups. */
const NODE_GAP = 28;
const GROUP_GAP = 40;
const PAD = 16;

/**
 * Each connected group of agents on its own band (largest first), layered by the longest
 * call path from an agent nobody calls; cycles are cut where met.
 */
export function layout(g: Graph, dir: Direction = 'h'): Layout {
  const out = new Map<string, string[]>();
  const near = new Map<string, string[]>();
  const indeg = new Map<string, number>();
  for (const n of g.nodes.keys()) {
    out.set(n, []);
    near.set(n, []);
    indeg.set(n, 0);
  }
  for (const e of g.edges.values()) {
    out.get(e.from)?.push(e.to);
    near.get(e.from)?.push(e.to);
    near.get(e.to)?.push(e.from);
    indeg.set(e.to, (indeg.get(e.to) ?? 0) + 1);
  }
  // Connected groups.
  const groupOf = new Map<string, number>();
  const groups: string[][] = [];
  for (const n of g.nodes.keys()) {
    if (groupOf.has(n)) continue;
    const members: string[] = [];
    const stack = [n];
    groupOf.set(n, groups.length);
    while (stack.length) {
      const m = stack.pop()!;
      members.push(m);
      for (const k of near.get(m) ?? [])
        if (!groupOf.has(k)) {
          groupOf.set(k, groups.length);
          stack.push(k);
        }
    }
    groups.push(members);
  }
  const label = (id: string) => g.nodes.get(id)!.label;
  groups.sort((a, b) => b.length - a.length || label(a[0]!).localeCompare(label(b[0]!)));

  const layer = new Map<string, number>();
  const onPath = new Set<string>();
  const place = (id: string, depth: number) => {
    if (onPath.has(id) || (layer.get(id) ?? -1) >= depth) return;
    layer.set(id, depth);
    onPath.add(id);
    for (const to of out.get(id) ?? []) place(to, depth + 1);
    onPath.delete(id);
  };

  // Within a group: `a` along the calls (layer), `c` across (the layer's nodes, centred).
  // Groups follow one another down the page in both directions, so a phone gets a narrow
  // column of groups.
  const along = (dir === 'h' ? NODE_W : NODE_H) + LAYER_GAP[dir];
  const across = (dir === 'h' ? NODE_H : NODE_W) + NODE_GAP;
  const blocks = groups.map((members) => {
    const roots = members.filter((n) => indeg.get(n) === 0);
    for (const r of roots.length ? roots : members.slice(0, 1)) place(r, 0);
    for (const n of members) if (!layer.has(n)) place(n, 0);
    const layers: string[][] = [];
    for (const n of members) (layers[layer.get(n)!] ??= []).push(n);
    const size = Math.max(1, ...layers.map((l) => l?.length ?? 0));
    const cross = size * across - NODE_GAP;
    const length = layers.length * along - LAYER_GAP[dir];
    const cells: { id: string; a: number; c: number; l: number }[] = [];
    layers.forEach((ids, l) => {
      if (!ids) return;
      ids.sort((x, y) => label(x).localeCompare(label(y)));
      const start = (cross - (ids.length * across - NODE_GAP)) / 2;
      ids.forEach((id, k) => cells.push({ id, l, a: l * along, c: start + k * across }));
    });
    return { cells, cross, length };
  });
  const width = 2 * PAD + Math.max(0, ...blocks.map((b) => (dir === 'h' ? b.length : b.cross)));
  const placed = new Map<string, Placed>();
  let top = PAD;
  for (const b of blocks) {
    const left = dir === 'h' ? PAD : PAD + (width - 2 * PAD - b.cross) / 2;
    for (const cell of b.cells)
      placed.set(cell.id, {
        node: g.nodes.get(cell.id)!,
        layer: cell.l,
        x: left + (dir === 'h' ? cell.a : cell.c),
        y: top + (dir === 'h' ? cell.c : cell.a),
      });
    top += (dir === 'h' ? b.cross : b.length) + GROUP_GAP;
  }
  return { dir, width, height: top - GROUP_GAP + PAD, placed };
}
