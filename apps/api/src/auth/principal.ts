/** Who is calling: resolved by the auth guard, read by every controller for project scoping. */
export interface Principal {
  projectId: string;
  keyId: string | null;
  scopes: string[];
}

/**
 * `respond`: answer human-in-the-loop requests (approve a permission for an agent). Keys made
 * by --create-api-key get `ingest` and `read` only unless --scopes says otherwise.
 */
export const ALL_SCOPES = ['ingest', 'read', 'admin', 'respond'];
