export { loadConfig, ConfigError, envSchema } from './config.schema';
export type { AppConfig, Env } from './config.schema';
export { createLogger } from './logger';
export type { Logger, LogLevel } from './logger';
export { loadConfigOrExit, onShutdown, runMain } from './process-lifecycle';
