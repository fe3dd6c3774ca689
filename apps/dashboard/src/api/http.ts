/**
 * HTTP access to the Fleetscope API. One place for the API key, JSON, errors and the offline
 * marker the service worker adds when it answers from its cache.
 */

const KEY_STORAGE = 'fleetscope.apiKey';

export function apiKey(): string {
  return localStorage.getItem(KEY_STORAGE) ?? '';
}

export function setApiKey(key: string): void {
  if (key) localStorage.setItem(KEY_STORAGE, key);
  else localStorage.removeItem(KEY_STORAGE);
}

export interface FieldError {
  field: string;
  reason: string;
}

/** A non-2xx answer, with the API's message and per-field reasons when it gave them. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: FieldError[] = [],
    /** The answer's JSON body as the server sent it. */
    readonly body: unknown = undefined,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The reason the API gave for one field, for forms. */
  fieldReason(field: string): string | undefined {
    return this.details.find((d) => d.field === field)?.reason;
  }
}

/** Set by the service worker on answers it served from its cache while offline. */
export const CACHED_HEADER = 'x-fleetscope-cached-at';

type Listener = (cachedAt: string | null) => void;
const cacheListeners = new Set<Listener>();

/** Tells listeners whether the latest answer came from the offline cache (and from when). */
export function onCacheState(listener: Listener): () => void {
  cacheListeners.add(listener);
  return () => cacheListeners.delete(listener);
}

function headers(extra?: HeadersInit): Headers {
  const h = new Headers(extra);
  h.set('accept', 'application/json');
  const key = apiKey();
  if (key) h.set('authorization', `Bearer ${key}`);
  return h;
}

async function errorOf(res: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    return new ApiError(res.status, `${res.status} ${res.statusText}`);
  }
  const b = (body ?? {}) as { error?: unknown; message?: unknown; details?: unknown };
  const message =
    typeof b.message === 'string'
      ? b.message
      : typeof b.error === 'string'
        ? b.error
        : `${res.status} ${res.statusText}`;
  const details = Array.isArray(b.details)
    ? b.details.filter(
        (d): d is FieldError =>
          typeof d === 'object' && d !== null && 'field' in d && 'reason' in d,
      )
    : [];
  return new ApiError(res.status, message, details, body);
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  signal?: AbortSignal;
}

/** Fetches `path` (with `query` appended, empty values left out) and parses the JSON answer. */
export async function api<T>(
  path: string,
  query?: Record<string, string | number | boolean | undefined | null>,
  opts: RequestOptions = {},
): Promise<T> {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
  }
  const init: RequestInit = { method: opts.method ?? 'GET', headers: headers() };
  if (opts.signal) init.signal = opts.signal;
  if (opts.body !== undefined) {
    (init.headers as Headers).set('content-type', 'application/json');
    init.body = JSON.stringify(opts.body);
  }
  const res = await fetch(url, init);
  if (init.method === 'GET') {
    const cachedAt = res.headers.get(CACHED_HEADER);
    for (const l of cacheListeners) l(cachedAt);
  }
  if (!res.ok) throw await errorOf(res);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const post = <T>(path: string, body?: unknown) =>
  api<T>(path, undefined, { method: 'POST', body: body ?? {} });
export const put = <T>(path: string, body: unknown) =>
  api<T>(path, undefined, { method: 'PUT', body });
export const patch = <T>(path: string, body: unknown) =>
  api<T>(path, undefined, { method: 'PATCH', body });
export const del = <T>(path: string) => api<T>(path, undefined, { method: 'DELETE' });
