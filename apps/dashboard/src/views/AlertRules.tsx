/** Alert rules: what each one watches, on/off in place, edit, delete. */
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, del, patch } from '../api/http';
import { AlertsNav } from '../components/AlertsNav';
import { ruleSummary, type AlertRuleView, type ChannelView } from '../components/alerting-model';
import { ConfirmButton } from '../components/ConfirmButton';
import { Empty, ErrorBox, Loading } from '../components/ui';

export default function AlertRules() {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const rules = useQuery({
    queryKey: ['alerts', 'rules'],
    queryFn: () => api<AlertRuleView[]>('/alerts/rules'),
  });
  const channels = useQuery({
    queryKey: ['alerts', 'channels'],
    queryFn: () => api<ChannelView[]>('/alerts/channels'),
  });
  // The toggle flips at once; a failure puts it back and says why.
  const [flipping, setFlipping] = useState<Record<string, boolean>>({});
  const toggle = useMutation({
    mutationFn: (r: { id: string; enabled: boolean }) =>
      patch<AlertRuleView>(`/alerts/rules/${encodeURIComponent(r.id)}`, { enabled: r.enabled }),
    onMutate: async (r) => {
      await qc.cancelQueries({ queryKey: ['alerts', 'rules'] });
      const before = qc.getQueryData<AlertRuleView[]>(['alerts', 'rules']);
      qc.setQueryData<AlertRuleView[]>(['alerts', 'rules'], (list) =>
        list?.map((x) => (x.id === r.id ? { ...x, enabled: r.enabled } : x)),
      );
      return { before };
    },
    onError: (_e, _r, ctx) => qc.setQueryData(['alerts', 'rules'], ctx?.before),
    onSettled: () => void qc.invalidateQueries({ queryKey: ['alerts', 'rules'] }),
  });
  const remove = useMutation({
    mutationFn: (id: string) => del<void>(`/alerts/rules/${encodeURIComponent(id)}`),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['alerts', 'rules'] }),
  });

  const channelNames = (ids: string[] | null) => {
    if (ids === null) return 'all enabled channels';
    if (ids.length === 0) return 'no channel';
    return ids.map((id) => channels.data?.find((c) => c.id === id)?.name ?? id).join(', ');
  };

  return (
    <section aria-labelledby="rules-title">
      <div className="row">
        <h1 id="rules-title" className="grow">
          Alert rules
        </h1>
        <Link className="btn primary" to="/alerts/rules/new">
          + New rule
        </Link>
      </div>
      <AlertsNav />
      <ErrorBox error={rules.error} retry={() => void rules.refetch()} />
      <ErrorBox error={toggle.error ?? remove.error} />
      {rules.isLoading ? (
        <Loading what="rules" />
      ) : rules.data && rules.data.length === 0 ? (
        <Empty>
          No rules yet. <Link to="/alerts/rules/new">Create one</Link> to be told when an error
          rate, a latency or a cost crosses a line.
        </Empty>
      ) : (
        <ul className="card-list" aria-label="Rules">
          {(rules.data ?? []).map((r) => (
            <li key={r.id} className={`rule-card panel ${r.enabled ? '' : 'disabled'}`}>
              <div className="row">
                <label className="switch" title={r.enabled ? 'Enabled' : 'Disabled'}>
                  <input
                    type="checkbox"
                    role="switch"
                    checked={flipping[r.id] ?? r.enabled}
                    aria-label={`${r.name} enabled`}
                    onChange={(e) => {
                      const enabled = e.target.checked;
                      // Shown at once: the cache's optimistic copy lands a tick later.
                      setFlipping((f) => ({ ...f, [r.id]: enabled }));
                      toggle.mutate(
                        { id: r.id, enabled },
                        {
                          onSettled: () => setFlipping(({ [r.id]: _done, ...rest }) => rest),
                        },
                      );
                    }}
                  />
                  <span aria-hidden="true">{r.enabled ? 'On' : 'Off'}</span>
                </label>
                <h2 className="grow rule-name">
                  <Link to={`/alerts/rules/${encodeURIComponent(r.id)}`}>{r.name}</Link>
                </h2>
                <span className={`badge sev-${r.severity}`}>{r.severity}</span>
              </div>
              <p className="mono rule-summary">{ruleSummary(r)}</p>
              <p className="muted fine-print">
                Notifies {channelNames(r.channels)}
                {Object.keys(r.labels).length
                  ? ` · labels ${Object.entries(r.labels)
                      .map(([k, v]) => `${k}=${v}`)
                      .join(' ')}`
                  : ''}
              </p>
              <div className="row actions">
                <button
                  type="button"
                  className="btn"
                  onClick={() => navigate(`/alerts/rules/${encodeURIComponent(r.id)}`)}
                >
                  Edit
                </button>
                <ConfirmButton
                  label="Delete"
                  danger
                  question={`Delete rule ${r.name}? Its alerts stay in the history.`}
                  onConfirm={() => remove.mutate(r.id)}
                />
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
