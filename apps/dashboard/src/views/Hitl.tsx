/**
 * Requests: agents waiting for a person (a question, a permission, a choice). Pending ones
 * first, answered and timed-out ones in the history. Refreshed every 3 s and at once when a
 * HumanInTheLoop event arrives on the live stream.
 */
import { useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/http';
import { live } from '../api/live';
import { HitlCard, type HitlRequest } from '../components/HitlCard';
import { Empty, ErrorBox, Loading, Tabs } from '../components/ui';

export { HitlCard } from '../components/HitlCard';

const REFRESH_MS = 3_000;
/** How long a card answered here stays in the pending list (green) before it moves on. */
const KEEP_ANSWERED_MS = 20_000;

type Tab = 'pending' | 'history';

export default function Hitl() {
  const qc = useQueryClient();
  const [params, setParams] = useSearchParams();
  const tab: Tab = params.get('tab') === 'history' ? 'history' : 'pending';
  const [answered, setAnswered] = useState<Map<string, { r: HitlRequest; at: number }>>(
    () => new Map(),
  );

  const pending = useQuery({
    queryKey: ['hitl', 'list', 'pending'],
    queryFn: () => api<HitlRequest[]>('/hitl/requests', { status: 'pending', limit: 200 }),
    refetchInterval: REFRESH_MS,
  });
  const all = useQuery({
    queryKey: ['hitl', 'list', 'all'],
    queryFn: () => api<HitlRequest[]>('/hitl/requests', { limit: 300 }),
    refetchInterval: tab === 'history' ? REFRESH_MS : 15_000,
  });

  // A new request shows the moment its event streams by (and again a second later: the
  // worker stores the request in the event's transaction, which may commit just after).
  useEffect(() => {
    const timers: ReturnType<typeof setTimeout>[] = [];
    const refresh = () => void qc.invalidateQueries({ queryKey: ['hitl'] });
    const unsubscribe = live.subscribe(
      { filter: { event_type: 'HumanInTheLoop' } },
      {
        onEvents: () => {
          refresh();
          timers.push(setTimeout(refresh, 1_000));
        },
      },
    );
    return () => {
      timers.forEach(clearTimeout);
      unsubscribe();
    };
  }, [qc]);

  // Cards answered here leave the pending list after a while.
  useEffect(() => {
    if (answered.size === 0) return;
    const t = setInterval(() => {
      const cutoff = Date.now() - KEEP_ANSWERED_MS;
      setAnswered((m) => {
        const next = new Map([...m].filter(([, v]) => v.at > cutoff));
        return next.size === m.size ? m : next;
      });
    }, 1_000);
    return () => clearInterval(t);
  }, [answered.size]);

  const pendingRows = useMemo(() => {
    const list = (pending.data ?? []).filter((r) => !answered.has(r.id));
    const mine = [...answered.values()].map((v) => v.r);
    return [...mine, ...list].sort((a, b) => b.created_at.localeCompare(a.created_at));
  }, [pending.data, answered]);
  const history = useMemo(() => (all.data ?? []).filter((r) => r.status !== 'pending'), [all.data]);
  const waiting = (pending.data ?? []).filter((r) => !answered.has(r.id)).length;

  const source = tab === 'pending' ? pending : all;
  const rows = tab === 'pending' ? pendingRows : history;

  return (
    <section aria-labelledby="hitl-title">
      <div className="row">
        <h1 id="hitl-title" className="grow">
          🙋 Requests
        </h1>
        {waiting > 0 ? (
          <span className="badge pending" role="status">
            {waiting} waiting
          </span>
        ) : null}
      </div>
      <p className="muted">
        Agents that asked a question, a permission or a choice, and wait for your answer.
      </p>
      <Tabs
        label="Requests"
        value={tab}
        options={[
          { value: 'pending', label: `Pending (${waiting})` },
          { value: 'history', label: `History (${history.length})` },
        ]}
        onChange={(t) => setParams(t === 'pending' ? {} : { tab: t }, { replace: true })}
      />
      <div role="tabpanel" aria-label={tab === 'pending' ? 'Pending requests' : 'History'}>
        <ErrorBox error={source.error} retry={() => void source.refetch()} />
        {source.isLoading ? (
          <Loading what="requests" />
        ) : source.data && rows.length === 0 ? (
          <Empty>
            {tab === 'pending'
              ? '✅ No agent is waiting for an answer.'
              : 'No answered or timed-out requests yet.'}
          </Empty>
        ) : (
          <div className="hitl-list">
            {rows.map((r) => (
              <HitlCard
                key={r.id}
                request={r}
                onAnswered={(saved) =>
                  setAnswered((m) => new Map(m).set(saved.id, { r: saved, at: Date.now() }))
                }
              />
            ))}
          </div>
        )}
      </div>
    </section>
  );
}
