/**
 * Service worker registration (the app shell and last data offline) and Web Push
 * subscriptions for firing alerts.
 */
import { registerSW } from 'virtual:pwa-register';
import { api, del, post } from '../api/http';

export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return;
  // A new version activates on the next load; the shell is small, so no prompt.
  registerSW({ immediate: true });
}

/** Drops cached API answers (after changing the API key, or signing out). */
export async function clearApiCache(): Promise<void> {
  const reg = await navigator.serviceWorker?.getRegistration();
  reg?.active?.postMessage({ type: 'CLEAR_API_CACHE' });
}

export type PushState = 'unsupported' | 'denied' | 'off' | 'on';

export async function pushState(): Promise<PushState> {
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window))
    return 'unsupported';
  if (Notification.permission === 'denied') return 'denied';
  const reg = await navigator.serviceWorker.getRegistration();
  const sub = await reg?.pushManager.getSubscription();
  return sub ? 'on' : 'off';
}

const b64urlToBytes = (s: string): Uint8Array<ArrayBuffer> => {
  const b64 = (s + '='.repeat((4 - (s.length % 4)) % 4)).replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(b64);
  const out = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
};

const SUB_ID = 'fleetscope.pushSubscriptionId';

/** Asks for permission, subscribes with the server's VAPID key and registers the subscription. */
export async function enablePush(minSeverity: string): Promise<void> {
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') throw new Error('notifications are blocked for this site');
  const reg = await navigator.serviceWorker.ready;
  const { publicKey } = await api<{ publicKey: string }>('/push/vapid-public-key');
  const sub =
    (await reg.pushManager.getSubscription()) ??
    (await reg.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: b64urlToBytes(publicKey),
    }));
  const json = sub.toJSON();
  const created = await post<{ id: string }>('/push/subscriptions', {
    endpoint: json.endpoint,
    keys: json.keys,
    min_severity: minSeverity,
    label: navigator.userAgent.slice(0, 120),
  });
  localStorage.setItem(SUB_ID, created.id);
}

export async function disablePush(): Promise<void> {
  const reg = await navigator.serviceWorker.getRegistration();
  const sub = await reg?.pushManager.getSubscription();
  await sub?.unsubscribe();
  const id = localStorage.getItem(SUB_ID);
  if (id) await del(`/push/subscriptions/${encodeURIComponent(id)}`).catch(() => undefined);
  localStorage.removeItem(SUB_ID);
}

export async function testPush(): Promise<void> {
  const id = localStorage.getItem(SUB_ID);
  if (!id) throw new Error('notifications are not on for this device');
  await post(`/push/subscriptions/${encodeURIComponent(id)}/test`);
}
