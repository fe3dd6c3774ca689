/**
 * A time-series or category chart drawn by uPlot (small, fast, canvas). Resizes with its
 * box, follows the light/dark theme through CSS variables, and redraws data in place
 * without recreating the plot so a live chart costs one setData per update.
 */
import { useEffect, useRef } from 'react';
import uPlot, { type AlignedData, type Options, type Series } from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  color?: string;
  /** Draw as bars (counts per bucket) rather than a line. */
  bars?: boolean;
  /** Fill under the line (or the band's area). */
  fill?: string;
  /** Put this series on the right-hand axis. */
  right?: boolean;
  dash?: number[];
  format?: (v: number) => string;
}

export interface ChartProps {
  /** x values first (unix seconds for time charts, indexes for categories), then one array per series. */
  data: AlignedData;
  series: ChartSeries[];
  height?: number;
  /** Category labels for a non-time x axis. */
  categories?: string[];
  /** Label for the screen reader summary. */
  title: string;
  /** Draw a band between two series indexes (1-based as in data), e.g. an expected range. */
  band?: [number, number];
  yFormat?: (v: number) => string;
  rightFormat?: (v: number) => string;
  /** The left axis' range from the data's min and max (e.g. a ratio starting at 0). */
  yRange?: (min: number, max: number) => [number, number];
}

const cssVar = (name: string, fallback: string): string =>
  getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;

const PALETTE = ['--c1', '--c2', '--c3', '--c4', '--c5', '--c6'];

export function Chart({
  data,
  series,
  height = 220,
  categories,
  title,
  band,
  yFormat,
  rightFormat,
  yRange,
}: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = `${series.map((s) => `${s.label}|${s.bars ? 1 : 0}|${s.right ? 1 : 0}`).join(',')}|${categories ? 'cat' : 'time'}|${band?.join('-') ?? ''}`;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const axisColor = cssVar('--muted', '#888');
    const gridColor = cssVar('--grid', 'rgba(128,128,128,.15)');
    const bars = uPlot.paths.bars?.({ size: [0.7, 40] });
    const opts: Options = {
      width: Math.max(200, el.clientWidth),
      height,
      legend: { show: series.length > 1 },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: categories ? { time: false } : { time: true },
        ...(yRange
          ? {
              y: {
                range: (_u: uPlot, min: number | null, max: number | null): uPlot.Range.MinMax =>
                  yRange(min ?? 0, max ?? 0),
              },
            }
          : {}),
        ...(series.some((s) => s.right) ? { r: { auto: true } } : {}),
      },
      axes: [
        {
          stroke: axisColor,
          grid: { stroke: gridColor },
          ...(categories
            ? { values: (_u: uPlot, splits: number[]) => splits.map((i) => categories[i] ?? '') }
            : {}),
        },
        {
          stroke: axisColor,
          grid: { stroke: gridColor },
          size: 56,
          ...(yFormat ? { values: (_u: uPlot, splits: number[]) => splits.map(yFormat) } : {}),
        },
        ...(series.some((s) => s.right)
          ? [
              {
                scale: 'r',
                side: 1,
                stroke: axisColor,
                grid: { show: false },
                size: 56,
                ...(rightFormat
                  ? { values: (_u: uPlot, splits: number[]) => splits.map(rightFormat) }
                  : {}),
              },
            ]
          : []),
      ],
      series: [
        categories ? { label: 'x', value: (_u: uPlot, v: number) => categories[v] ?? '' } : {},
        ...series.map((s, i): Series => {
          const color = s.color ?? cssVar(PALETTE[i % PALETTE.length] ?? '--c1', '#3b82f6');
          return {
            label: s.label,
            stroke: color,
            width: s.bars ? 0 : 2,
            fill: s.bars ? color : s.fill,
            ...(s.bars && bars ? { paths: bars, points: { show: false } } : {}),
            ...(s.right ? { scale: 'r' } : {}),
            ...(s.dash ? { dash: s.dash } : {}),
            ...(s.format
              ? { value: (_u: uPlot, v: number | null) => (v == null ? '–' : s.format!(v)) }
              : {}),
          };
        }),
      ],
      ...(band
        ? { bands: [{ series: band, fill: cssVar('--band', 'rgba(59,130,246,.15)') }] }
        : {}),
    };
    const u = new uPlot(opts, data, el);
    plot.current = u;
    const ro = new ResizeObserver(() =>
      u.setSize({ width: Math.max(200, el.clientWidth), height }),
    );
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Rebuilt only when the chart's shape changes; data updates go through setData below.
  }, [shape, height]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  const points = data[0]?.length ?? 0;
  return (
    <figure className="chart" aria-label={title}>
      <figcaption className="sr-only">
        {title}: {points} points
      </figcaption>
      <div ref={box} className="chart-canvas" data-testid={`chart-${title}`} />
    </figure>
  );
}
