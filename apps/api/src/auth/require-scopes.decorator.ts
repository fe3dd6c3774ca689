import { SetMetadata } from '@nestjs/common';

export const REQUIRED_SCOPES = 'fleetscope:scopes';
/** The route needs a key holding every one of these scopes (see ALL_SCOPES); 403 otherwise. */
export const RequireScopes = (...scopes: string[]) => SetMetadata(REQUIRED_SCOPES, scopes);
