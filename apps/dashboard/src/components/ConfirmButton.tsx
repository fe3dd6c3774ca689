/**
 * A button that asks before acting: the first press shows "Confirm" and "Cancel" in its
 * place (Escape cancels), so a stray tap on a phone deletes nothing.
 */
import { useEffect, useRef, useState } from 'react';

export function ConfirmButton({
  label,
  confirmLabel,
  question,
  onConfirm,
  danger = false,
  disabled = false,
  className,
}: {
  label: string;
  /** The confirming button's text (defaults to "Yes, <label>"). */
  confirmLabel?: string;
  /** Said next to the buttons, e.g. "Delete rule high_error_rate?". */
  question?: string;
  onConfirm: () => void;
  danger?: boolean;
  disabled?: boolean;
  className?: string;
}) {
  const [asking, setAsking] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) confirmRef.current?.focus();
  }, [asking]);
  if (!asking) {
    return (
      <button
        type="button"
        className={`btn ${danger ? 'danger' : ''} ${className ?? ''}`.trim()}
        disabled={disabled}
        onClick={() => setAsking(true)}
      >
        {label}
      </button>
    );
  }
  return (
    <span
      className="confirm"
      role="group"
      aria-label={question ?? `${label}?`}
      onKeyDown={(e) => {
        if (e.key === 'Escape') setAsking(false);
      }}
    >
      <span className="muted">{question ?? `${label}?`}</span>
      <button
        ref={confirmRef}
        type="button"
        className={`btn ${danger ? 'danger' : 'primary'}`}
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel ?? `Yes, ${label.toLowerCase()}`}
      </button>
      <button type="button" className="btn" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
