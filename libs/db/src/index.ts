export type { SqlClient, SqlExecutor, QueryResult, ResultField, StorageFlavor } from './sql-client';
export { PgSqlClient } from './pg-sql-client';
export { PgliteSqlClient } from './pglite-sql-client';
export { migrate, detectFlavor, listMigrations, splitStatements, MIGRATIONS_DIR } from './migrator';
export type { MigrationReport } from './migrator';
export { EventsRepository } from './events.repository';
export type { EventQuery } from './events.repository';
export { ConsumerOffsetsRepository } from './consumer-offsets.repository';
export { ApiKeysRepository, hashApiKey } from './api-keys.repository';
export type { ApiKeyPrincipal } from './api-keys.repository';
export { applyStoragePolicies, StorageMaintenance } from './storage-maintenance';
export type { RetentionOptions, MaintenanceLog } from './storage-maintenance';
export { RollupsRepository, planSegments } from './rollups.repository';
export type {
  RollupLevel,
  RollupDimension,
  RollupSegment,
  RollupFilter,
  StatsRow,
  HistRow,
  GroupSpec,
} from './rollups.repository';
export { AnomaliesRepository } from './anomalies.repository';
export type { AnomalyRecord, AnomalyWrite, AnomalyQuery } from './anomalies.repository';
export { SessionsRepository } from './sessions.repository';
export type { SessionQuery, SessionSummary, SessionListStatus } from './sessions.repository';
export { TracesRepository } from './traces.repository';
export type { TraceQuery, TraceSummary } from './traces.repository';
export { AlertRulesRepository } from './alert-rules.repository';
export { AlertInstancesRepository } from './alert-instances.repository';
export type { AlertWrite, AlertTimelineEntry, AlertListQuery } from './alert-instances.repository';
export { SilencesRepository } from './silences.repository';
export type { Silence } from './silences.repository';
export { ChannelsRepository, DEFAULT_CHANNEL_NAME, toChannelView } from './channels.repository';
export type { ChannelRecord, ChannelUpdate, ChannelWrite } from './channels.repository';
export { cutUtf8, DeliveriesRepository, RESPONSE_EXCERPT_BYTES } from './deliveries.repository';
export type {
  AttemptWrite,
  ClaimMiss,
  DeliveryEnqueue,
  DeliveryQuery,
  DeliveryRecord,
  DeliveryUpdate,
} from './deliveries.repository';
export { HitlRequestsRepository } from './hitl-requests.repository';
export type { HitlAnswerMiss, HitlListFilter } from './hitl-requests.repository';
export { SettingsRepository } from './settings.repository';
export {
  ANALYST_ROLE,
  AnalystQueriesRepository,
  ConsoleQueryError,
  toJsonValue,
  wrapConsoleSql,
} from './analyst-queries.repository';
export type { AnalystQuery, AnalystQueryResult } from './analyst-queries.repository';
export { isDuplicateName, SavedQueriesRepository } from './saved-queries.repository';
export type { SavedQuery, SavedQueryWrite } from './saved-queries.repository';
