import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..', '..');

/** Connection settings of the local services (infra/local/services.sh writes them). */
export function servicesEnv(): { KAFKA_BROKERS: string; DATABASE_URL: string; REDIS_URL: string } {
  const file = join(ROOT, '.local', 'services.env');
  const fromFile: Record<string, string> = {};
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const m = /^export (\w+)=(.*)$/.exec(line.trim());
      if (m) fromFile[m[1]!] = m[2]!;
    }
  }
  const pick = (k: string, d: string) => process.env[k] ?? fromFile[k] ?? d;
  return {
    KAFKA_BROKERS: pick('KAFKA_BROKERS', '127.0.0.1:9092'),
    DATABASE_URL: pick(
      'DATABASE_URL',
      'postgres://fleetscope:fleetscope@127.0.0.1:55432/fleetscope',
    ),
    REDIS_URL: pick('REDIS_URL', 'redis://127.0.0.1:6379'),
  };
}

export const uniq = (prefix: string) =>
  `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
