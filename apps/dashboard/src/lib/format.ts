/** Number, time and duration formatting shared by every view (one locale: the browser's). */

const nf = new Intl.NumberFormat();
const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });

export const fmtInt = (n: number | null | undefined): string =>
  n === null || n === undefined || !Number.isFinite(n) ? '–' : nf.format(Math.round(n));

export const fmtCompact = (n: number | null | undefined): string =>
  n === null || n === undefined || !Number.isFinite(n) ? '–' : compact.format(n);

export const fmtPct = (ratio: number | null | undefined, digits = 1): string =>
  ratio === null || ratio === undefined || !Number.isFinite(ratio)
    ? '–'
    : `${(ratio * 100).toFixed(digits)} %`;

export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

export const fmtUsd = (n: number | null | undefined): string =>
  n === null || n === undefined || !Number.isFinite(n)
    ? '–'
    : `$${n < 1 ? n.toFixed(4) : n.toFixed(2)}`;

// One formatter each: toLocale*String with options builds a new Intl formatter per call,
// which the live list pays for every row it draws.
const timeFmt = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});
const dateTimeFmt = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'short',
  timeStyle: 'medium',
  hour12: false,
});

export const fmtTime = (iso: string | number | Date): string => timeFmt.format(new Date(iso));

export const fmtDateTime = (iso: string | number | Date): string =>
  dateTimeFmt.format(new Date(iso));

/** "12 s ago", "3 min ago", "2 h ago", or the date. */
export function fmtAgo(iso: string | number | Date, now = Date.now()): string {
  const s = Math.round((now - new Date(iso).getTime()) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(iso).toLocaleDateString();
}

/** Relative change of `now` against `before`, as the KPI cards show it. */
export function change(now: number | null | undefined, before: number | null | undefined) {
  if (now === null || now === undefined || before === null || before === undefined) return null;
  if (before === 0) return now === 0 ? 0 : null;
  return (now - before) / before;
}

export const SEVERITY_NAMES: Record<number, string> = {
  1: 'info',
  2: 'warn',
  3: 'error',
  4: 'fatal',
};

/** A stable hue per string (apps, sessions) so a name keeps its colour across views. */
export function hueOf(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return Math.abs(h) % 360;
}

export const colorOf = (s: string, l = 50): string => `hsl(${hueOf(s)} 65% ${l}%)`;

/** "claude-sonnet-4-5-20250929" → "sonnet-4-5" (the hook dashboard's model badge). */
export function shortModel(model: string | null | undefined): string | null {
  if (!model) return null;
  const m = /claude-([a-z]+)-(\d+)(?:-(\d+))?/.exec(model);
  if (m) return `${m[1]}-${m[2]}${m[3] && m[3].length <= 2 ? `-${m[3]}` : ''}`;
  return model.length > 24 ? `${model.slice(0, 23)}…` : model;
}

/** Any JSON value as text: strings as they are, objects as JSON, null and undefined as ''. */
export function textOf(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(v);
    case 'object':
      return v === null ? '' : JSON.stringify(v);
    default:
      return '';
  }
}
