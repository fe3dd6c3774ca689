/**
 * Routes. Every view but Live is its own chunk, loaded when first opened, so the first
 * paint ships only the shell and the live stream.
 */
import { lazy, Suspense, type ComponentType } from 'react';
import { createBrowserRouter, Navigate, RouterProvider } from 'react-router';
import { Layout } from './components/Layout';
import { Loading } from './components/ui';
import Live from './views/Live';

const view = (load: () => Promise<{ default: ComponentType }>) => {
  const V = lazy(load);
  return (
    <Suspense fallback={<Loading what="view" />}>
      <V />
    </Suspense>
  );
};

export const router = createBrowserRouter([
  {
    path: '/',
    element: <Layout />,
    children: [
      { index: true, element: <Live /> },
      { path: 'analytics', element: view(() => import('./views/Analytics')) },
      { path: 'anomalies', element: view(() => import('./views/Anomalies')) },
      { path: 'sessions', element: view(() => import('./views/Sessions')) },
      { path: 'sessions/:id', element: view(() => import('./views/SessionDetail')) },
      { path: 'traces', element: view(() => import('./views/Traces')) },
      { path: 'traces/:id', element: view(() => import('./views/TraceDetail')) },
      { path: 'service-map', element: view(() => import('./views/ServiceMap')) },
      { path: 'alerts', element: view(() => import('./views/Alerts')) },
      { path: 'alerts/rules', element: view(() => import('./views/AlertRules')) },
      { path: 'alerts/rules/new', element: view(() => import('./views/AlertRuleForm')) },
      { path: 'alerts/rules/:id', element: view(() => import('./views/AlertRuleForm')) },
      { path: 'alerts/channels', element: view(() => import('./views/Channels')) },
      { path: 'alerts/deliveries', element: view(() => import('./views/Deliveries')) },
      { path: 'alerts/:id', element: view(() => import('./views/Alerts')) },
      { path: 'sql', element: view(() => import('./views/Sql')) },
      { path: 'hitl', element: view(() => import('./views/Hitl')) },
      { path: 'settings', element: view(() => import('./views/Settings')) },
      // The seed's pages, for old bookmarks (the server redirects them too).
      { path: 'analytics-dashboard.html', element: <Navigate to="/analytics" replace /> },
      { path: 'mobile-dashboard.html', element: <Navigate to="/" replace /> },
      { path: 'index-enhanced.html', element: <Navigate to="/" replace /> },
      { path: '*', element: view(() => import('./views/NotFound')) },
    ],
  },
]);

export function App() {
  return <RouterProvider router={router} />;
}
