/**
 * Service map: which agents call which, read from the span trees of the most recent traces
 * in the range (an edge wherever a span's parent belongs to another agent). Drawn as an SVG
 * in layers, callers on the left; edge width grows with the calls, red when some failed.
 * The same edges are listed in a table for screen readers and small screens.
 */
import { useEffect, useMemo, useState, type KeyboardEvent } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../api/http';
import { getTrace, type TraceDetail, type TraceRow } from '../api/sessions';
import { DataTable, type Column } from '../components/DataTable';
import { QueryView } from '../components/QueryView';
import { TimeRangePicker, type TimeRange } from '../components/ui';
import { useUrlRange } from '../components/useUrlState';
import { colorOf, fmtInt, fmtPct } from '../lib/format';
import {
  addTrace,
  emptyGraph,
  layout,
  NODE_H,
  NODE_W,
  type Direction,
  type Graph,
  type Layout,
  type MapEdge,
} from './service-map-graph';

/** Traces read to draw the map (each is one request), and how many at a time. */
const MAX_TRACES = 60;
const CONCURRENCY = 4;

interface MapData {
  graph: Graph;
  traces: number;
  failed: number;
}

async function loadMap(range: TimeRange, signal: AbortSignal): Promise<MapData> {
  const list = await api<TraceRow[]>(
    '/traces',
    { start_time: range.from, end_time: range.to, limit: MAX_TRACES },
    { signal },
  );
  const graph = emptyGraph();
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < list.length && !signal.aborted) {
      const t = list[next++]!;
      try {
        const d: TraceDetail = await getTrace(t.trace_id);
        addTrace(graph, d);
      } catch {
        failed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { graph, traces: list.length, failed };
}

export default function ServiceMap() {
  const [range, setRange] = useUrlRange('24h');
  const map = useQuery({
    queryKey: ['service-map', range.from, range.to],
    queryFn: ({ signal }) => loadMap(range, signal),
    placeholderData: keepPreviousData,
    // Each refresh reads up to MAX_TRACES traces: no faster than the range moves.
    staleTime: 30_000,
  });

  return (
    <section aria-labelledby="map-title">
      <h1 id="map-title">Service map</h1>
      <div className="toolbar">
        <TimeRangePicker value={range} onChange={setRange} />
      </div>
      <QueryView
        q={map}
        what="service map"
        isEmpty={(d) => d.graph.nodes.size === 0}
        empty="No traces in this range: agents appear here once they send spans (trace_id, span_id, parent_span_id)."
      >
        {(d) => <MapBody d={d} />}
      </QueryView>
    </section>
  );
}

/** An element's inner width, following resizes (null before it is mounted). */
function useWidth(el: HTMLElement | null): number | null {
  const [width, setWidth] = useState<number | null>(null);
  useEffect(() => {
    if (!el) return;
    const measure = () => {
      const cs = getComputedStyle(el);
      setWidth(el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight));
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [el]);
  return width;
}

interface EdgeRow extends MapEdge {
  fromLabel: string;
  toLabel: string;
}

function MapBody({ d }: { d: MapData }) {
  // Left to right when it fits the box, else top to bottom (phones).
  const [box, setBox] = useState<HTMLDivElement | null>(null);
  const boxWidth = useWidth(box);
  const wide = useMemo(() => layout(d.graph, 'h'), [d.graph]);
  const tall = useMemo(() => layout(d.graph, 'v'), [d.graph]);
  const lay = boxWidth === null || wide.width <= boxWidth ? wide : tall;
  const [focus, setFocus] = useState<string | null>(null);
  const rows = useMemo(
    (): EdgeRow[] =>
      [...d.graph.edges.values()].map((e) => ({
        ...e,
        fromLabel: d.graph.nodes.get(e.from)?.label ?? e.from,
        toLabel: d.graph.nodes.get(e.to)?.label ?? e.to,
      })),
    [d.graph],
  );
  return (
    <>
      <p className="muted" role="status">
        {fmtInt(d.graph.nodes.size)} agents and {fmtInt(d.graph.edges.size)} call paths, from the{' '}
        {d.traces >= MAX_TRACES ? `${MAX_TRACES} most recent` : fmtInt(d.traces)} traces in the
        range{d.failed ? ` (${d.failed} could not be read)` : ''}.
        {focus ? ' Select the agent again to show every path.' : ''}
      </p>
      <div className="panel map-wrap" ref={setBox}>
        <MapSvg g={d.graph} lay={lay} focus={focus} onFocus={setFocus} />
      </div>
      <h2>Calls between agents</h2>
      <DataTable
        caption="Calls between agents"
        rows={rows}
        columns={EDGE_COLUMNS}
        rowKey={(r) => r.id}
        initialSort={{ key: 'calls', dir: 'desc' }}
        empty="No agent called another in these traces: every span stayed within its agent."
      />
    </>
  );
}

const EDGE_COLUMNS: Column<EdgeRow>[] = [
  {
    key: 'fromLabel',
    label: 'Caller',
    render: (r) => <span data-testid="edge-from">{r.fromLabel}</span>,
  },
  {
    key: 'toLabel',
    label: 'Called',
    render: (r) => <span data-testid="edge-to">{r.toLabel}</span>,
  },
  { key: 'calls', label: 'Calls', numeric: true, render: (r) => fmtInt(r.calls) },
  {
    key: 'errors',
    label: 'Failed',
    numeric: true,
    render: (r) => (r.errors ? <span className="text-bad">{fmtInt(r.errors)}</span> : '0'),
  },
  {
    key: 'rate',
    label: 'Failure rate',
    numeric: true,
    value: (r) => r.errors / r.calls,
    render: (r) => fmtPct(r.errors / r.calls),
  },
];

function MapSvg({
  g,
  lay,
  focus,
  onFocus,
}: {
  g: Graph;
  lay: Layout;
  focus: string | null;
  onFocus: (id: string | null) => void;
}) {
  const maxCalls = Math.max(1, ...[...g.edges.values()].map((e) => e.calls));
  const toggle = (id: string) => onFocus(focus === id ? null : id);
  const onKey = (id: string) => (e: KeyboardEvent) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      toggle(id);
    }
  };
  // The map scales down to its box, but not below a readable size: then the box scrolls.
  return (
    <svg
      className="service-map"
      width={lay.width}
      height={lay.height}
      style={{ maxWidth: lay.width, minWidth: `min(${lay.width}px, 150%)` }}
      viewBox={`0 0 ${lay.width} ${lay.height}`}
      role="group"
      aria-label={`Service map: ${g.nodes.size} agents, ${g.edges.size} call paths (listed in the table below)`}
      data-testid="service-map"
    >
      <defs>
        <marker
          id="arrow"
          viewBox="0 0 10 10"
          refX="9"
          refY="5"
          markerUnits="userSpaceOnUse"
          markerWidth="12"
          markerHeight="12"
          orient="auto-start-reverse"
        >
          <path d="M0,0 L10,5 L0,10 z" className="map-arrow" />
        </marker>
        <marker
          id="arrow-bad"
          viewBox="0 0 10 10"
          refX="9"
          refY="5"
          markerUnits="userSpaceOnUse"
          markerWidth="12"
          markerHeight="12"
          orient="auto-start-reverse"
        >
          <path d="M0,0 L10,5 L0,10 z" className="map-arrow bad" />
        </marker>
      </defs>
      {[...g.edges.values()].map((e) => {
        const a = lay.placed.get(e.from);
        const b = lay.placed.get(e.to);
        if (!a || !b) return null;
        const { path, mx, my } = edgePath(lay.dir, a, b);
        const bad = e.errors > 0;
        const dim = focus !== null && e.from !== focus && e.to !== focus;
        const label = `${e.calls}${bad ? ` · ${e.errors}✗` : ''}`;
        return (
          <g
            key={e.id}
            className={`map-edge${bad ? ' bad' : ''}${dim ? ' dim' : ''}`}
            data-testid="map-edge"
            data-from={g.nodes.get(e.from)?.label}
            data-to={g.nodes.get(e.to)?.label}
          >
            <title>
              {g.nodes.get(e.from)?.label} → {g.nodes.get(e.to)?.label}: {e.calls} calls
              {bad ? `, ${e.errors} failed` : ''}
            </title>
            <path
              d={path}
              fill="none"
              strokeWidth={1.5 + 4 * Math.sqrt(e.calls / maxCalls)}
              markerEnd={`url(#${bad ? 'arrow-bad' : 'arrow'})`}
            />
            <rect
              className="map-edge-label-bg"
              x={mx - label.length * 3.6 - 4}
              y={my - 9}
              width={label.length * 7.2 + 8}
              height={18}
              rx={4}
            />
            <text x={mx} y={my + 4} textAnchor="middle" className="map-edge-label">
              {label}
            </text>
          </g>
        );
      })}
      {[...lay.placed.values()].map(({ node, x, y }) => {
        const dim = focus !== null && focus !== node.id && !isNeighbour(g, focus, node.id);
        return (
          <g
            key={node.id}
            className={`map-node${node.errors ? ' bad' : ''}${dim ? ' dim' : ''}`}
            transform={`translate(${x},${y})`}
            tabIndex={0}
            role="button"
            aria-pressed={focus === node.id}
            aria-label={`${node.label}: ${node.spans} spans, ${node.errors} errors`}
            onClick={() => toggle(node.id)}
            onKeyDown={onKey(node.id)}
            data-testid="map-node"
          >
            <rect width={NODE_W} height={NODE_H} rx={8} style={{ stroke: colorOf(node.app) }} />
            <text x={10} y={18} className="map-node-label">
              {node.label.length > 24 ? `${node.label.slice(0, 23)}…` : node.label}
            </text>
            <text x={10} y={34} className="map-node-sub">
              {plural(node.spans, 'span')}
              {node.errors ? ` · ${plural(node.errors, 'error')}` : ''}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

/**
 * A call's curve: from the caller's side facing its callee to the callee's opposite side;
 * a call back to an earlier layer (a cycle) loops outside, below (`h`) or to the right (`v`).
 */
function edgePath(
  dir: Direction,
  a: { x: number; y: number },
  b: { x: number; y: number },
): { path: string; mx: number; my: number } {
  if (dir === 'h' && b.x > a.x) {
    const [x1, y1, x2, y2] = [a.x + NODE_W, a.y + NODE_H / 2, b.x, b.y + NODE_H / 2];
    const d = (x2 - x1) / 2;
    return {
      path: `M${x1},${y1} C${x1 + d},${y1} ${x2 - d},${y2} ${x2},${y2}`,
      mx: (x1 + x2) / 2,
      my: (y1 + y2) / 2,
    };
  }
  if (dir === 'v' && b.y > a.y) {
    const [x1, y1, x2, y2] = [a.x + NODE_W / 2, a.y + NODE_H, b.x + NODE_W / 2, b.y];
    const d = (y2 - y1) / 2;
    return {
      path: `M${x1},${y1} C${x1},${y1 + d} ${x2},${y2 - d} ${x2},${y2}`,
      mx: (x1 + x2) / 2,
      my: (y1 + y2) / 2,
    };
  }
  if (dir === 'h') {
    const [x1, y1, x2, y2] = [a.x + NODE_W / 2, a.y + NODE_H, b.x + NODE_W / 2, b.y + NODE_H];
    return {
      path: `M${x1},${y1} C${x1},${y1 + 60} ${x2},${y2 + 60} ${x2},${y2 + 2}`,
      mx: (x1 + x2) / 2,
      my: Math.max(y1, y2) + 45,
    };
  }
  const [x1, y1, x2, y2] = [a.x + NODE_W, a.y + NODE_H / 2, b.x + NODE_W, b.y + NODE_H / 2];
  return {
    path: `M${x1},${y1} C${x1 + 60},${y1} ${x2 + 60},${y2} ${x2 + 2},${y2}`,
    mx: Math.max(x1, x2) + 45,
    my: (y1 + y2) / 2,
  };
}

const plural = (n: number, what: string) => `${fmtInt(n)} ${what}${n === 1 ? '' : 's'}`;

function isNeighbour(g: Graph, a: string, b: string): boolean {
  for (const e of g.edges.values())
    if ((e.from === a && e.to === b) || (e.from === b && e.to === a)) return true;
  return false;
}
