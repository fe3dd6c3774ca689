import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from './config.schema';

describe('loadConfig', () => {
  it('applies the seed defaults in all-in-one mode', () => {
    const c = loadConfig({}, ['--all-in-one']);
    assert.equal(c.mode, 'all-in-one');
    assert.equal(c.http.port, 3001);
    assert.equal(c.retentionDays, 30);
    assert.equal(c.limits.maxEventsPerQuery, 1000);
    assert.equal(c.limits.maxEventBytes, 1024 * 1024);
    assert.equal(c.alerts.enabled, true);
    assert.equal(c.alerts.errorRateThreshold, 0.1);
    assert.equal(c.alerts.eventRateThresholdPerMinute, 100);
    assert.equal(c.alerts.responseTimeThresholdMs, 5000);
    assert.equal(c.anomalyDetection, false);
    assert.equal(c.kafka.topics.events, 'fleetscope.events.v1');
    assert.deepEqual(c.query, { timeoutMs: 10_000, maxRows: 10_000, maxCost: 300_000 });
  });

  it('names every invalid key in one error', () => {
    assert.throws(
      () =>
        loadConfig({ PORT: 'abc', ENABLE_AUTH: 'maybe', RETENTION_DAYS: '0' }, ['--all-in-one']),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        const text = err.problems.join('\n');
        assert.match(text, /PORT/);
        assert.match(text, /ENABLE_AUTH/);
        assert.match(text, /RETENTION_DAYS/);
        return true;
      },
    );
  });

  it('requires the cluster endpoints in cluster mode', () => {
    assert.throws(
      () => loadConfig({}),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(
          err.problems.map((p) => p.split(':')[0]),
          ['DATABASE_URL', 'KAFKA_BROKERS'],
        );
        return true;
      },
    );
    const c = loadConfig({
      DATABASE_URL: 'postgres://x/y',
      KAFKA_BROKERS: 'a:9092, b:9092',
      KAFKA_TOPIC_PREFIX: 'stg.',
    });
    assert.deepEqual(c.kafka.brokers, ['a:9092', 'b:9092']);
    assert.equal(c.kafka.topics.eventsDlq, 'stg.fleetscope.events.dlq.v1');
  });

  it('parses the seed switches the way the seed read them', () => {
    const c = loadConfig(
      {
        ENABLE_ALERTS: 'false',
        ENABLE_ANOMALY_DETECTION: 'true',
        ENABLE_AUTH: 'true',
        OBSERVABILITY_API_KEY: 'k',
      },
      ['--all-in-one'],
    );
    assert.equal(c.alerts.enabled, false);
    assert.equal(c.anomalyDetection, true);
    assert.equal(c.auth.enabled, true);
    assert.throws(
      () => loadConfig({ ENABLE_AUTH: 'true' }, ['--all-in-one']),
      /OBSERVABILITY_API_KEY/,
    );
  });
});
