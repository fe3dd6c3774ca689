/**
 * One human-in-the-loop request, as the hook dashboard drew it: ❓ question (text + Submit),
 * 🔐 permission (Deny / Approve) or 🎯 choice (one button per choice), pulsing while an
 * agent waits, with a countdown to its expiry. Answers are optimistic: the card turns green
 * with the answer at once and rolls back, saying why, if the server refuses.
 */
import { useEffect, useId, useState } from 'react';
import { Link } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import type { HitlRequestView, HitlType } from '@fleetscope/domain';
import { ApiError, post } from '../api/http';
import { fmtAgo, fmtDateTime } from '../lib/format';

export type HitlRequest = HitlRequestView;
export type HitlAnswer = { response?: string; permission?: boolean; choice?: string };

const TYPE_LABEL: Record<HitlType, { icon: string; label: string }> = {
  question: { icon: '❓', label: 'Agent Question' },
  permission: { icon: '🔐', label: 'Permission Request' },
  choice: { icon: '🎯', label: 'Choice Required' },
};

/** "Approved ✅", "Denied ❌", the choice or the text. */
export function answerText(a: HitlAnswer | null | undefined): string {
  if (!a) return '';
  if (typeof a.permission === 'boolean') return a.permission ? 'Approved ✅' : 'Denied ❌';
  if (typeof a.choice === 'string') return `🎯 ${a.choice}`;
  return a.response ?? '';
}

function why(err: unknown, field: string): string {
  if (err instanceof ApiError) {
    if (err.status === 403) {
      return 'Your key may not answer requests (it lacks the “respond” scope). Use a key that has it in Settings.';
    }
    if (err.status === 401) return 'Unauthorized: set an API key in Settings.';
    if (err.status === 409) return `Too late: ${err.message}.`;
    if (err.status === 404) return 'This request no longer exists.';
    return err.fieldReason(field) ? `${field}: ${err.fieldReason(field)}` : err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

function countdown(ms: number): string {
  if (ms <= 0) return 'expired';
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${s} s left`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s left`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min left`;
}

export function HitlCard({
  request: r,
  onAnswered,
}: {
  request: HitlRequest;
  /** Called with the stored request once the server accepted the answer. */
  onAnswered?: (r: HitlRequest) => void;
}) {
  const qc = useQueryClient();
  const titleId = useId();
  const [optimistic, setOptimistic] = useState<HitlAnswer | null>(null);
  const [stored, setStored] = useState<HitlRequest | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [text, setText] = useState('');
  const current = stored ?? r;
  const pending = current.status === 'pending' && optimistic === null;
  const now = useNow(pending);
  const left = Date.parse(current.expires_at) - now;
  const expired = pending && left <= 0;

  const answer = async (a: HitlAnswer, field: keyof HitlAnswer) => {
    setError(null);
    setOptimistic(a);
    try {
      const saved = await post<HitlRequest>(
        `/hitl/requests/${encodeURIComponent(r.id)}/respond`,
        a,
      );
      setStored(saved);
      onAnswered?.(saved);
    } catch (err) {
      setOptimistic(null);
      setError(why(err, field));
      if (err instanceof ApiError && err.status === 409) {
        void qc.invalidateQueries({ queryKey: ['hitl'] });
      }
      return;
    }
    void qc.invalidateQueries({ queryKey: ['hitl'] });
  };

  const t = TYPE_LABEL[current.type];
  const shown: HitlAnswer | null = optimistic ?? current.response;
  const state =
    optimistic !== null || current.status === 'responded'
      ? 'answered'
      : current.status === 'pending' && !expired
        ? 'pending'
        : 'closed';
  const sending = optimistic !== null && stored === null && current.status === 'pending';

  return (
    <article
      className={`hitl-card ${state}`}
      aria-labelledby={titleId}
      data-testid="hitl-card"
      data-request-id={r.id}
      data-state={state}
    >
      <div className="row">
        <h2 id={titleId} className="grow">
          <span aria-hidden="true">{t.icon}</span> {t.label}
        </h2>
        {state === 'pending' ? (
          <span className={`countdown badge ${left < 60_000 ? 'urgent' : ''}`} role="timer">
            ⏳ {countdown(left)}
          </span>
        ) : null}
      </div>
      <div className="row muted fine-print">
        <span className="badge">{current.app}</span>
        <Link to={`/sessions/${encodeURIComponent(current.session_id)}`} className="mono">
          {current.session_id.slice(0, 12)}
        </Link>
        {current.agent_id ? <span className="badge">{current.agent_id}</span> : null}
        <time dateTime={current.created_at} title={fmtDateTime(current.created_at)}>
          {fmtAgo(current.created_at, now)}
        </time>
      </div>
      <p className="hitl-question">{current.question}</p>

      {state === 'answered' ? (
        <div role="status">
          <span className="hitl-answer" data-testid="hitl-answer">
            {answerText(shown)}
          </span>
          <span className="muted fine-print">
            {sending ? ' · sending…' : current.responded_by ? ` · by ${current.responded_by}` : ''}
            {current.responded_at && !sending ? ` · ${fmtAgo(current.responded_at, now)}` : ''}
          </span>
        </div>
      ) : state === 'closed' ? (
        <p className="muted" role="status">
          {current.status === 'cancelled'
            ? '🚫 The agent stopped waiting.'
            : `⌛ Timed out ${fmtAgo(current.expires_at, now)}: the agent got no answer.`}
        </p>
      ) : (
        <>
          <p className="muted fine-print" aria-live="polite">
            Waiting for response…
          </p>
          {current.type === 'question' ? (
            <form
              className="hitl-actions"
              onSubmit={(e) => {
                e.preventDefault();
                if (text.trim()) void answer({ response: text.trim() }, 'response');
              }}
            >
              <label className="sr-only" htmlFor={`${titleId}-text`}>
                Your answer
              </label>
              <textarea
                id={`${titleId}-text`}
                value={text}
                placeholder="Type your answer… (Ctrl+Enter sends)"
                onChange={(e) => setText(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && text.trim()) {
                    e.preventDefault();
                    void answer({ response: text.trim() }, 'response');
                  }
                }}
              />
              <div className="row">
                <button type="submit" className="btn primary" disabled={!text.trim()}>
                  ✅ Submit Response
                </button>
              </div>
            </form>
          ) : current.type === 'permission' ? (
            <div className="row hitl-actions" role="group" aria-label="Answer">
              <button
                type="button"
                className="btn danger"
                onClick={() => void answer({ permission: false }, 'permission')}
              >
                ❌ Deny
              </button>
              <button
                type="button"
                className="btn primary"
                onClick={() => void answer({ permission: true }, 'permission')}
              >
                ✅ Approve
              </button>
            </div>
          ) : (
            <div className="row hitl-actions" role="group" aria-label="Choices">
              {(current.choices ?? []).map((c) => (
                <button
                  key={c}
                  type="button"
                  className="btn"
                  onClick={() => void answer({ choice: c }, 'choice')}
                >
                  {c}
                </button>
              ))}
            </div>
          )}
        </>
      )}
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
    </article>
  );
}
