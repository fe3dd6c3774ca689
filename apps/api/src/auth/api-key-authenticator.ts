import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { RUNTIME, type Runtime } from '../runtime/runtime';
import { ALL_SCOPES, type Principal } from './principal';

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/** Positive lookups are cached briefly so a key check is not a query per request. */
const CACHE_TTL_MS = 30_000;

/**
 * Resolves an API key to a principal: the `OBSERVABILITY_API_KEY` of the environment (the
 * seed's single key, mapped to the default project) or a hashed key from `api_keys`.
 */
@Injectable()
export class ApiKeyAuthenticator {
  private readonly cache = new Map<string, { principal: Principal; expires: number }>();

  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  get enabled(): boolean {
    return this.runtime.config.auth.enabled;
  }

  anonymous(): Principal {
    return {
      projectId: this.runtime.config.auth.defaultProjectId,
      keyId: null,
      scopes: ALL_SCOPES,
    };
  }

  async authenticate(key: string | undefined): Promise<Principal | null> {
    if (!this.enabled) return this.anonymous();
    if (!key) return null;
    const envKey = this.runtime.config.auth.apiKey;
    // Constant-time comparison of digests: equal lengths, no early exit on the first byte.
    if (envKey && timingSafeEqual(sha256(key), sha256(envKey))) {
      return {
        projectId: this.runtime.config.auth.defaultProjectId,
        keyId: 'env',
        scopes: ALL_SCOPES,
      };
    }
    const digest = sha256(key).toString('hex');
    const hit = this.cache.get(digest);
    if (hit && hit.expires > Date.now()) return hit.principal;
    const found = await this.runtime.apiKeys.findByKey(this.runtime.db, key);
    if (!found) return null;
    const principal: Principal = {
      projectId: found.projectId,
      keyId: found.keyId,
      scopes: found.scopes,
    };
    this.cache.set(digest, { principal, expires: Date.now() + CACHE_TTL_MS });
    return principal;
  }
}

/** Reads a key from `Authorization: Bearer …` or `X-API-Key`. */
export function keyFromHeaders(
  headers: Record<string, string | string[] | undefined>,
): string | undefined {
  const auth = headers['authorization'];
  const a = Array.isArray(auth) ? auth[0] : auth;
  if (a && /^bearer\s+/i.test(a)) return a.replace(/^bearer\s+/i, '').trim();
  const x = headers['x-api-key'];
  return Array.isArray(x) ? x[0] : x;
}
