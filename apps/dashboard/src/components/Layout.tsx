/**
 * The frame around every view: a side navigation on desktop, a bottom navigation with
 * large tap targets at ≤ 700 px, the connection state, and the offline banner.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { NavLink, Outlet, useNavigate } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { live, type LiveStatus } from '../api/live';
import { onCacheState } from '../api/http';
import { fmtAgo } from '../lib/format';
import { PullToRefresh } from './PullToRefresh';

interface NavItem {
  to: string;
  label: string;
  icon: string;
  /** Shown in the phone's bottom bar (the rest are under "More"). */
  primary?: boolean;
}

export const NAV: NavItem[] = [
  { to: '/', label: 'Live', icon: '📡', primary: true },
  { to: '/analytics', label: 'Analytics', icon: '📊', primary: true },
  { to: '/alerts', label: 'Alerts', icon: '🚨', primary: true },
  { to: '/hitl', label: 'Requests', icon: '🙋', primary: true },
  { to: '/anomalies', label: 'Anomalies', icon: '📈' },
  { to: '/sessions', label: 'Sessions', icon: '🧵' },
  { to: '/traces', label: 'Traces', icon: '🌳' },
  { to: '/service-map', label: 'Agent map', icon: '🕸️' },
  { to: '/sql', label: 'SQL', icon: '🗄️' },
  { to: '/settings', label: 'Settings', icon: '⚙️' },
];

export function useLiveStatus(): LiveStatus {
  const [status, setStatus] = useState<LiveStatus>(live.status);
  useEffect(() => live.onStatus(setStatus), []);
  return status;
}

/** Offline when the browser says so or when the latest answer came from the cache. */
function useOffline(): { offline: boolean; cachedAt: string | null } {
  const [online, setOnline] = useState(navigator.onLine);
  const [cachedAt, setCachedAt] = useState<string | null>(null);
  useEffect(() => {
    const on = () => setOnline(true);
    const off = () => setOnline(false);
    window.addEventListener('online', on);
    window.addEventListener('offline', off);
    const unsub = onCacheState(setCachedAt);
    return () => {
      window.removeEventListener('online', on);
      window.removeEventListener('offline', off);
      unsub();
    };
  }, []);
  return { offline: !online || cachedAt !== null, cachedAt };
}

export function Layout({ children }: { children?: ReactNode }) {
  const status = useLiveStatus();
  const { offline, cachedAt } = useOffline();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [more, setMore] = useState(false);

  // Back in the foreground: fresh data and a fresh connection at once, not at the next poll.
  useEffect(() => {
    const onVisible = () => {
      if (document.visibilityState !== 'visible') return;
      void qc.invalidateQueries();
      if (live.status !== 'open') live.reconnectNow();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, [qc]);

  const refresh = async () => {
    await qc.invalidateQueries();
    if (live.status !== 'open') live.reconnectNow();
  };

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <button
          type="button"
          className="brand"
          onClick={() => navigate('/')}
          aria-label="Fleetscope, live view"
        >
          <span aria-hidden="true">🛰️</span> Fleetscope
        </button>
        <span
          className={`conn conn-${status}`}
          role="status"
          aria-live="polite"
          data-testid="connection"
        >
          <span className="dot" aria-hidden="true" />
          {status === 'open' ? 'Live' : status === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
        </span>
      </header>
      {offline ? (
        <div className="offline-banner" role="status" data-testid="offline-banner">
          Offline: showing data saved {cachedAt ? fmtAgo(cachedAt) : 'earlier'}. It refreshes when
          the connection is back.
        </div>
      ) : null}
      <nav className="sidenav" aria-label="Views">
        <ul>
          {NAV.map((n) => (
            <li key={n.to}>
              <NavLink to={n.to} end={n.to === '/'}>
                <span aria-hidden="true">{n.icon}</span> {n.label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <PullToRefresh onRefresh={refresh}>
        <main id="main" tabIndex={-1}>
          {children ?? <Outlet />}
        </main>
      </PullToRefresh>
      <nav className="bottomnav" aria-label="Views">
        {NAV.filter((n) => n.primary).map((n) => (
          <NavLink key={n.to} to={n.to} end={n.to === '/'} onClick={() => setMore(false)}>
            <span aria-hidden="true" className="icon">
              {n.icon}
            </span>
            <span>{n.label}</span>
          </NavLink>
        ))}
        <button
          type="button"
          aria-expanded={more}
          aria-controls="more-menu"
          onClick={() => setMore((m) => !m)}
        >
          <span aria-hidden="true" className="icon">
            ☰
          </span>
          <span>More</span>
        </button>
      </nav>
      {more ? (
        <div id="more-menu" className="more-menu" role="menu">
          {NAV.filter((n) => !n.primary).map((n) => (
            <NavLink key={n.to} to={n.to} role="menuitem" onClick={() => setMore(false)}>
              <span aria-hidden="true">{n.icon}</span> {n.label}
            </NavLink>
          ))}
        </div>
      ) : null}
    </div>
  );
}
