/** Who is calling: resolved by the auth guard, read by every controller for project scoping. */
export interface Principal {
  projectId: string;
  keyId: string | null;
  scopes: string[];
}

export const ALL_SCOPES = ['ingest', 'read', 'admin'];
