import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { VitePWA } from 'vite-plugin-pwa';

// The api serves dist/ at /; `npm run dev -w apps/dashboard` proxies the API to a local
// all-in-one on :3001.
const api = process.env.FLEETSCOPE_API ?? 'http://localhost:3001';
const apiPaths = [
  '/events',
  '/analytics',
  '/metrics',
  '/agents',
  '/anomalies',
  '/sessions',
  '/traces',
  '/alerts',
  '/hitl',
  '/push',
  '/query',
  '/queries',
  '/health',
  '/docs',
];

export default defineConfig({
  plugins: [
    react(),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      registerType: 'autoUpdate',
      injectRegister: false,
      injectManifest: { globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'] },
      manifest: {
        name: 'Fleetscope',
        short_name: 'Fleetscope',
        description: 'Your fleet of AI agents, live: events, analytics, traces and alerts.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        background_color: '#0f172a',
        theme_color: '#0f172a',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
    }),
  ],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, target: 'es2022' },
  server: {
    proxy: Object.fromEntries([
      ...apiPaths.map((p) => [p, { target: api, changeOrigin: true }]),
      ['/ws', { target: api.replace(/^http/, 'ws'), ws: true }],
    ]),
  },
});
