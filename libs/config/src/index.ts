export { loadConfig, ConfigError, envSchema } from './config.schema';
export type { AppConfig, Env } from './config.schema';
