/**
 * View state kept in the URL's search params, so a view can be bookmarked, shared and
 * reloaded as it was: the time range (`range=24h`, or `range=custom&from=…&to=…`) and
 * simple string filters.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { RANGES, rangeOf, type RangePreset, type TimeRange } from './ui';

/** How often a relative range ("last 24 h") moves forward, and its data with it. */
export const AUTO_REFRESH_MS = 30_000;

const isPreset = (v: string | null): v is RangePreset =>
  v !== null && (RANGES as readonly string[]).includes(v);

/**
 * The view's time range. A relative range is recomputed every `refreshMs` (the queries keyed
 * on it refetch); a custom range stays as chosen.
 */
export function useUrlRange(
  defaultPreset: Exclude<RangePreset, 'custom'> = '24h',
  refreshMs = AUTO_REFRESH_MS,
): [TimeRange, (r: TimeRange) => void, () => void] {
  const [params, setParams] = useSearchParams();
  const raw = params.get('range');
  const from = params.get('from');
  const to = params.get('to');
  const preset: RangePreset = isPreset(raw) ? raw : defaultPreset;
  const [tick, setTick] = useState(0);

  useEffect(() => {
    if (preset === 'custom') return;
    const t = setInterval(() => setTick((x) => x + 1), refreshMs);
    return () => clearInterval(t);
  }, [preset, refreshMs]);

  const range = useMemo(() => {
    if (preset === 'custom' && from && to && !isNaN(Date.parse(from)) && !isNaN(Date.parse(to)))
      return rangeOf('custom', { from, to });
    return rangeOf(preset === 'custom' ? defaultPreset : preset);
    // `tick` moves a relative range forward.
  }, [preset, from, to, tick, defaultPreset]);

  const setRange = useCallback(
    (r: TimeRange) =>
      setParams(
        (p) => {
          const next = new URLSearchParams(p);
          next.set('range', r.preset);
          if (r.preset === 'custom') {
            next.set('from', r.from);
            next.set('to', r.to);
          } else {
            next.delete('from');
            next.delete('to');
          }
          return next;
        },
        { replace: true },
      ),
    [setParams],
  );
  /** Moves a relative range to now at once (the refresh button). */
  const refresh = useCallback(() => setTick((x) => x + 1), []);
  return [range, setRange, refresh];
}

/** One string filter in the URL (empty = absent). */
export function useUrlParam(name: string): [string, (v: string) => void] {
  const [params, setParams] = useSearchParams();
  const value = params.get(name) ?? '';
  const set = useCallback(
    (v: string) =>
      setParams(
        (p) => {
          const next = new URLSearchParams(p);
          if (v) next.set(name, v);
          else next.delete(name);
          return next;
        },
        { replace: true },
      ),
    [name, setParams],
  );
  return [value, set];
}
