/** Editable key/value pairs (labels, annotations, headers, tag filters). */
import { useId } from 'react';

export type Pair = { key: string; value: string };

export const pairsOf = (m: Record<string, string> | null | undefined): Pair[] =>
  Object.entries(m ?? {}).map(([key, value]) => ({ key, value }));

/** Pairs back to a map; rows with an empty key are left out. */
export const mapOf = (pairs: Pair[]): Record<string, string> =>
  Object.fromEntries(pairs.filter((p) => p.key.trim()).map((p) => [p.key.trim(), p.value]));

export function KeyValueEditor({
  legend,
  pairs,
  onChange,
  keyLabel = 'Name',
  valueLabel = 'Value',
  keyPlaceholder,
  valuePlaceholder,
  error,
  hint,
}: {
  legend: string;
  pairs: Pair[];
  onChange: (pairs: Pair[]) => void;
  keyLabel?: string;
  valueLabel?: string;
  keyPlaceholder?: string;
  valuePlaceholder?: string;
  error?: string | undefined;
  hint?: string;
}) {
  const id = useId();
  const set = (i: number, p: Partial<Pair>) =>
    onChange(pairs.map((x, j) => (j === i ? { ...x, ...p } : x)));
  return (
    <fieldset className="kv-editor" aria-describedby={error ? `${id}-err` : undefined}>
      <legend>{legend}</legend>
      {hint ? <p className="muted fine-print">{hint}</p> : null}
      {pairs.map((p, i) => (
        <div className="kv-row" key={i}>
          <label>
            {keyLabel}
            <input
              value={p.key}
              placeholder={keyPlaceholder}
              onChange={(e) => set(i, { key: e.target.value })}
            />
          </label>
          <label className="grow">
            {valueLabel}
            <input
              value={p.value}
              placeholder={valuePlaceholder}
              onChange={(e) => set(i, { value: e.target.value })}
            />
          </label>
          <button
            type="button"
            className="btn"
            aria-label={`Remove ${p.key || `row ${i + 1}`}`}
            onClick={() => onChange(pairs.filter((_, j) => j !== i))}
          >
            ✕
          </button>
        </div>
      ))}
      <button
        type="button"
        className="btn"
        onClick={() => onChange([...pairs, { key: '', value: '' }])}
      >
        + Add {keyLabel.toLowerCase()}
      </button>
      {error ? (
        <p id={`${id}-err`} className="field-error" role="alert">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
