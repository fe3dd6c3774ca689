import type { WindowInput } from './window-input';

/**
 * Every event feeds one series per level: its project, its app, its agent (when it has one)
 * and its session. Apps, agents and sessions are scoped by their parents, so two projects
 * with an app called `bot` are two series.
 */
export const SERIES_LEVELS = ['project', 'app', 'agent', 'session'] as const;
export type SeriesLevel = (typeof SERIES_LEVELS)[number];

export interface SeriesId {
  level: SeriesLevel;
  project_id: string;
  app?: string;
  agent_id?: string;
  session_id?: string;
}

/**
 * A stable, unambiguous string for a series: the JSON array of the level and its ordered
 * parts, e.g. `["agent","p1","checkout","a-7"]`. JSON escaping keeps separators inside
 * names harmless, and {@link parseSeriesKey} reverses it. Stored as `anomalies.series_key`.
 */
export function seriesKey(id: SeriesId): string {
  switch (id.level) {
    case 'project':
      return JSON.stringify(['project', id.project_id]);
    case 'app':
      return JSON.stringify(['app', id.project_id, id.app ?? '']);
    case 'agent':
      return JSON.stringify(['agent', id.project_id, id.app ?? '', id.agent_id ?? '']);
    case 'session':
      return JSON.stringify(['session', id.project_id, id.app ?? '', id.session_id ?? '']);
  }
}

/** The series of a key made by {@link seriesKey}, or null for anything else. */
export function parseSeriesKey(key: string): SeriesId | null {
  let parts: unknown;
  try {
    parts = JSON.parse(key);
  } catch {
    return null;
  }
  if (!Array.isArray(parts) || !parts.every((p) => typeof p === 'string')) return null;
  const [level, project_id, app, third] = parts;
  if (project_id === undefined) return null;
  if (level === 'project' && parts.length === 2) return { level, project_id };
  if (app === undefined) return null;
  if (level === 'app' && parts.length === 3) return { level, project_id, app };
  if (third === undefined || parts.length !== 4) return null;
  if (level === 'agent') return { level, project_id, app, agent_id: third };
  if (level === 'session') return { level, project_id, app, session_id: third };
  return null;
}

/** The series an event feeds: 3 without an agent, else 4. */
export function seriesOf(
  e: Pick<WindowInput, 'project_id' | 'app' | 'agent_id' | 'session_id'>,
): SeriesId[] {
  const out: SeriesId[] = [
    { level: 'project', project_id: e.project_id },
    { level: 'app', project_id: e.project_id, app: e.app },
  ];
  if (e.agent_id !== null) {
    out.push({ level: 'agent', project_id: e.project_id, app: e.app, agent_id: e.agent_id });
  }
  out.push({ level: 'session', project_id: e.project_id, app: e.app, session_id: e.session_id });
  return out;
}
