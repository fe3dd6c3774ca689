import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App } from './App';
import { live } from './api/live';
import { registerServiceWorker } from './lib/pwa';
import './styles.css';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 10_000,
      // Offline answers come from the service worker's cache; a failed fetch is retried twice.
      retry: 2,
      refetchOnWindowFocus: true,
    },
  },
});

live.start();
// Diagnostics for the console and the benchmark: counters and lag of the live stream.
(window as unknown as { fleetscope: unknown }).fleetscope = { live };
registerServiceWorker();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
