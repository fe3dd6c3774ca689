import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FleetscopeError, UnauthorizedError } from '@fleetscope/domain';
import type { FastifyRequest } from 'fastify';
import { ApiKeyAuthenticator, keyFromHeaders } from './api-key-authenticator';
import { IS_PUBLIC } from './public.decorator';
import { REQUIRED_SCOPES } from './require-scopes.decorator';
import type { Principal } from './principal';

export type AuthedRequest = FastifyRequest & { principal?: Principal };

/**
 * Global guard: every HTTP route needs a valid key when ENABLE_AUTH=true, except @Public;
 * a route marked @RequireScopes needs every scope it names, or `admin` (403 otherwise).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: ApiKeyAuthenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true; // WebSocket auth happens at the upgrade
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) {
      req.principal = this.authenticator.anonymous();
      return true;
    }
    const principal = await this.authenticator.authenticate(keyFromHeaders(req.headers));
    if (!principal) {
      throw new UnauthorizedError('a valid API key is required (Authorization: Bearer <key>)');
    }
    req.principal = principal;
    const required = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_SCOPES, [
      context.getHandler(),
      context.getClass(),
    ]);
    // `admin` holds every scope, including ones added after the key was made.
    const missing = principal.scopes.includes('admin')
      ? []
      : (required ?? []).filter((s) => !principal.scopes.includes(s));
    if (missing.length > 0) {
      throw new FleetscopeError(`this API key lacks the scope(s): ${missing.join(', ')}`, {
        code: 'forbidden',
        httpStatus: 403,
        details: { missing_scopes: missing },
      });
    }
    return true;
  }
}
