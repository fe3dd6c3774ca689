/// <reference lib="webworker" />
/**
 * The service worker: the app shell from the precache (so the app opens offline), API
 * answers network-first with the last good answer kept for offline use (marked with the
 * time it was fetched, so the page can say how old it is), and Web Push notifications for
 * firing alerts.
 */
import {
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  precacheAndRoute,
  type PrecacheEntry,
} from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { NetworkFirst } from 'workbox-strategies';
import { ExpirationPlugin } from 'workbox-expiration';
import { clientsClaim, type WorkboxPlugin } from 'workbox-core';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (string | PrecacheEntry)[] };

/** Must match CACHED_HEADER in src/api/http.ts. */
const CACHED_HEADER = 'x-fleetscope-cached-at';
const API_CACHE = 'fleetscope-api';

// A new version takes over at once: the shell is small and the API is versioned separately.
void self.skipWaiting();
clientsClaim();

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// Every page of the app is the same shell; the API docs and the WebSocket are not pages.
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('/index.html'), {
    denylist: [/^\/docs/, /^\/ws/, /^\/health/, /^\/ready/, /^\/metrics$/],
  }),
);

const markCached: WorkboxPlugin = {
  // Only called when the network failed and the cache answers.
  cachedResponseWillBeUsed: async ({ cachedResponse }) => {
    if (!cachedResponse) return cachedResponse;
    const headers = new Headers(cachedResponse.headers);
    headers.set(CACHED_HEADER, cachedResponse.headers.get('date') ?? new Date().toUTCString());
    return new Response(await cachedResponse.blob(), {
      status: cachedResponse.status,
      statusText: cachedResponse.statusText,
      headers,
    });
  },
};

registerRoute(
  ({ request, url }) =>
    request.method === 'GET' &&
    url.origin === self.location.origin &&
    request.mode !== 'navigate' &&
    (request.headers.get('accept') ?? '').includes('application/json') &&
    // Long polls of waiting agents are never answered from a cache.
    !url.pathname.endsWith('/response'),
  new NetworkFirst({
    cacheName: API_CACHE,
    networkTimeoutSeconds: 6,
    plugins: [new ExpirationPlugin({ maxEntries: 300, maxAgeSeconds: 7 * 86_400 }), markCached],
  }),
);

self.addEventListener('message', (event: ExtendableMessageEvent) => {
  const data = event.data as { type?: string } | undefined;
  if (data?.type === 'SKIP_WAITING') void self.skipWaiting();
  if (data?.type === 'CLEAR_API_CACHE') event.waitUntil(caches.delete(API_CACHE));
});

interface PushPayload {
  title?: string;
  body?: string;
  url?: string;
  tag?: string;
  severity?: string;
  status?: string;
}

self.addEventListener('push', (event: PushEvent) => {
  let data: PushPayload = {};
  try {
    data = (event.data?.json() ?? {}) as PushPayload;
  } catch {
    data = { title: 'Fleetscope', body: event.data?.text() ?? '' };
  }
  const title = data.title ?? 'Fleetscope alert';
  event.waitUntil(
    self.registration.showNotification(title, {
      body: data.body ?? '',
      tag: data.tag ?? title,
      icon: '/icons/icon-192.png',
      badge: '/icons/icon-192.png',
      data: { url: data.url ?? '/alerts' },
      requireInteraction: data.severity === 'critical' && data.status !== 'resolved',
    }),
  );
});

self.addEventListener('notificationclick', (event: NotificationEvent) => {
  event.notification.close();
  const target = new URL(
    String((event.notification.data as { url?: string })?.url ?? '/alerts'),
    self.location.origin,
  );
  // Links to another origin (a misconfigured PUBLIC_URL) open this app's alerts instead.
  const url =
    target.origin === self.location.origin
      ? target.href
      : new URL('/alerts', self.location.origin).href;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      for (const w of windows) {
        if (new URL(w.url).origin === self.location.origin) {
          await w.focus();
          return void (await w.navigate(url));
        }
      }
      await self.clients.openWindow(url);
    })(),
  );
});
