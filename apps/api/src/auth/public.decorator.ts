import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'fleetscope:public';
/** Marks a route reachable without a key even when auth is on (probes only). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
