/** Small shared pieces: KPI card, error box, loading line, empty state, tabs, time range. */
import { type ReactNode } from 'react';
import { ApiError } from '../api/http';
import { colorOf, fmtPct } from '../lib/format';

export function Kpi({
  label,
  value,
  delta,
  goodWhenUp = true,
  hint,
}: {
  label: string;
  value: ReactNode;
  /** Relative change against the previous period, or null. */
  delta?: number | null;
  goodWhenUp?: boolean;
  hint?: string;
}) {
  const dir =
    delta === null || delta === undefined || delta === 0 ? 'flat' : delta > 0 ? 'up' : 'down';
  const good = dir === 'flat' ? 'neutral' : (dir === 'up') === goodWhenUp ? 'good' : 'bad';
  return (
    <div className="kpi" role="group" aria-label={label}>
      <div className="kpi-label">{label}</div>
      <div className="kpi-value">{value}</div>
      {delta !== undefined ? (
        <div className={`kpi-delta ${good}`} title={hint ?? 'against the previous period'}>
          {delta === null
            ? 'no previous data'
            : `${dir === 'up' ? '▲' : dir === 'down' ? '▼' : '■'} ${fmtPct(Math.abs(delta))}`}
        </div>
      ) : null}
    </div>
  );
}

export function ErrorBox({ error, retry }: { error: unknown; retry?: () => void }) {
  if (!error) return null;
  const message =
    error instanceof ApiError
      ? `${error.status === 401 ? 'Unauthorized: set an API key in Settings. ' : ''}${error.message}`
      : error instanceof Error
        ? error.message
        : typeof error === 'string'
          ? error
          : JSON.stringify(error);
  return (
    <div className="error-box" role="alert">
      <span>{message}</span>
      {retry ? (
        <button type="button" onClick={retry}>
          Retry
        </button>
      ) : null}
    </div>
  );
}

export function Loading({ what = 'data' }: { what?: string }) {
  return (
    <p className="loading" role="status">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

export function Tabs<T extends string>({
  value,
  options,
  onChange,
  label,
}: {
  value: T;
  options: readonly { value: T; label: string }[];
  onChange: (v: T) => void;
  label: string;
}) {
  return (
    <div role="tablist" aria-label={label} className="tabs">
      {options.map((o) => (
        <button
          key={o.value}
          type="button"
          role="tab"
          aria-selected={o.value === value}
          className={o.value === value ? 'active' : undefined}
          onClick={() => onChange(o.value)}
          onKeyDown={(e) => {
            const i = options.findIndex((x) => x.value === value);
            const next =
              e.key === 'ArrowRight'
                ? options[(i + 1) % options.length]
                : e.key === 'ArrowLeft'
                  ? options[(i - 1 + options.length) % options.length]
                  : e.key === 'Home'
                    ? options[0]
                    : e.key === 'End'
                      ? options[options.length - 1]
                      : undefined;
            if (next) {
              e.preventDefault();
              onChange(next.value);
            }
          }}
        >
          {o.label}
        </button>
      ))}
    </div>
  );
}

export const RANGES = ['1h', '24h', '7d', '30d', 'custom'] as const;
export type RangePreset = (typeof RANGES)[number];

export interface TimeRange {
  preset: RangePreset;
  /** ISO start and end (inclusive start, exclusive end). */
  from: string;
  to: string;
}

const PRESET_MS: Record<Exclude<RangePreset, 'custom'>, number> = {
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
};

export function rangeOf(preset: RangePreset, custom?: { from: string; to: string }): TimeRange {
  if (preset === 'custom' && custom) return { preset, ...custom };
  const to = new Date();
  const ms = PRESET_MS[preset === 'custom' ? '24h' : preset];
  return { preset, from: new Date(to.getTime() - ms).toISOString(), to: to.toISOString() };
}

/** The range as long before, for "change against the previous period". */
export function previousOf(r: TimeRange): TimeRange {
  const span = new Date(r.to).getTime() - new Date(r.from).getTime();
  return {
    preset: r.preset,
    from: new Date(new Date(r.from).getTime() - span).toISOString(),
    to: r.from,
  };
}

const toLocalInput = (iso: string) => {
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

export function TimeRangePicker({
  value,
  onChange,
}: {
  value: TimeRange;
  onChange: (r: TimeRange) => void;
}) {
  return (
    <div className="range-picker">
      <Tabs
        label="Time range"
        value={value.preset}
        options={RANGES.map((r) => ({ value: r, label: r === 'custom' ? 'Custom' : r }))}
        onChange={(p) => onChange(p === 'custom' ? { ...value, preset: 'custom' } : rangeOf(p))}
      />
      {value.preset === 'custom' ? (
        <span className="custom-range">
          <label>
            From{' '}
            <input
              type="datetime-local"
              value={toLocalInput(value.from)}
              onChange={(e) =>
                e.target.value &&
                onChange({ ...value, from: new Date(e.target.value).toISOString() })
              }
            />
          </label>
          <label>
            To{' '}
            <input
              type="datetime-local"
              value={toLocalInput(value.to)}
              onChange={(e) =>
                e.target.value && onChange({ ...value, to: new Date(e.target.value).toISOString() })
              }
            />
          </label>
        </span>
      ) : null}
    </div>
  );
}

export function SeverityBadge({ severity }: { severity: string | number }) {
  const name =
    typeof severity === 'number'
      ? (['', 'info', 'warn', 'error', 'fatal'][severity] ?? String(severity))
      : severity;
  return <span className={`badge sev-${name}`}>{name}</span>;
}

export type SelectOption = string | { value: string; label: string };

/** A labelled filter select whose empty value means "no filter" (`anyLabel`). */
export function FilterSelect({
  label,
  value,
  onChange,
  options,
  anyLabel = 'all',
  name,
  format,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  options: readonly SelectOption[];
  anyLabel?: string;
  name?: string;
  /** How a plain string option reads (e.g. a session id shortened). */
  format?: (value: string) => string;
}) {
  return (
    <label>
      {label}
      <select name={name} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{anyLabel}</option>
        {options.map((o) =>
          typeof o === 'string' ? (
            <option key={o} value={o}>
              {format ? format(o) : o}
            </option>
          ) : (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ),
        )}
      </select>
    </label>
  );
}

/** An app's name as a badge in the app's own colour (the same in every view). */
export function AppBadge({ app }: { app: string }) {
  return (
    <span className="badge" style={{ borderColor: colorOf(app) }}>
      {app}
    </span>
  );
}
