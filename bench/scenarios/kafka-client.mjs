// kafka-client: node-rdkafka against kafkajs on the same broker, messages and settings, in one
// run. Producer: N realistic events (0.5–4 KB JSON, keyed by session) to a fresh 6-partition
// topic, acks=all, sent in chunks of 1,000 with 8 chunks in flight (as the api's concurrent
// requests do); events/s, MB/s and CPU per message (process CPU, native threads included).
// Consumer: the same N messages read from the beginning by a fresh group.
//   node-rdkafka runs as the data path configures it (libs/kafka RdkafkaProducer: idempotent,
//   linger 5 ms, large batches); kafkajs with its fastest safe settings (acks=-1, not
//   idempotent, so several requests may be in flight).
//   full: 300,000 messages per run; --quick: 60,000.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Kafka from 'node-rdkafka';
import { CompressionTypes, Kafka as KafkaJs, logLevel } from 'kafkajs';
import { ROOT, ensureBuilt, makeWorkload, report, servicesUp } from '../lib.mjs';

const require = createRequire(import.meta.url);
const { RdkafkaProducer } = require(join(ROOT, 'libs/kafka/dist/index.js'));

const CHUNK = 1000;
const IN_FLIGHT = 8;

function cpuMs(start) {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

async function timed(fn) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  return { seconds: (performance.now() - t0) / 1000, cpu_ms: cpuMs(cpu0) };
}

/** Runs `send(chunk)` over the messages with at most IN_FLIGHT chunks outstanding. */
async function pump(messages, send) {
  const inflight = new Set();
  for (let i = 0; i < messages.length; i += CHUNK) {
    const p = send(messages.slice(i, i + CHUNK));
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
    if (inflight.size >= IN_FLIGHT) await Promise.race(inflight);
  }
  await Promise.all(inflight);
}

async function produceRdkafka(brokers, topic, messages, compression) {
  const p = new RdkafkaProducer({
    brokers,
    clientId: 'bench-rdkafka',
    maxPending: 1_000_000,
    compression,
  });
  await p.connect();
  const t = await timed(() =>
    pump(messages, (chunk) => p.send(chunk.map((m) => ({ topic, key: m.key, value: m.value })))),
  );
  await p.disconnect?.();
  return t;
}

async function produceKafkajs(kafka, topic, messages, compression) {
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    maxInFlightRequests: IN_FLIGHT,
  });
  await producer.connect();
  const t = await timed(() =>
    pump(messages, (chunk) =>
      producer.send({
        topic,
        acks: -1,
        compression: compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
        messages: chunk.map((m) => ({ key: m.key, value: m.value })),
      }),
    ),
  );
  await producer.disconnect();
  return t;
}

async function consumeRdkafka(brokers, topic, n) {
  const consumer = new Kafka.KafkaConsumer(
    {
      'metadata.broker.list': brokers.join(','),
      'group.id': `bench-rd-${Date.now()}`,
      'enable.auto.commit': false,
      'fetch.max.bytes': 52_428_800,
      'max.partition.fetch.bytes': 10_485_760,
    },
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise((res, rej) => consumer.connect({}, (e) => (e ? rej(e) : res())));
  consumer.subscribe([topic]);
  let got = 0;
  let bytes = 0;
  const t = await timed(async () => {
    while (got < n) {
      const batch = await new Promise((res, rej) =>
        consumer.consume(5000, (e, m) => (e ? rej(e) : res(m))),
      );
      for (const m of batch) {
        got += 1;
        bytes += m.value?.length ?? 0;
      }
    }
  });
  await new Promise((res) => consumer.disconnect(() => res()));
  return { ...t, got, bytes };
}

async function consumeKafkajs(kafka, topic, n) {
  const consumer = kafka.consumer({
    groupId: `bench-js-${Date.now()}`,
    maxBytes: 52_428_800,
    maxBytesPerPartition: 10_485_760,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let got = 0;
  let bytes = 0;
  let done;
  const finished = new Promise((r) => (done = r));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let t1 = 0;
  let cpu = 0;
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        got += 1;
        bytes += m.value?.length ?? 0;
      }
      if (got >= n && !t1) {
        t1 = performance.now();
        cpu = cpuMs(cpu0);
        done();
      }
    },
  });
  await finished;
  await consumer.disconnect();
  return { seconds: (t1 - t0) / 1000, cpu_ms: cpu, got, bytes };
}

export async function run({ quick }) {
  ensureBuilt();
  const services = servicesUp();
  const brokers = services.KAFKA_BROKERS.split(',');
  const n = quick ? 60_000 : 300_000;
  const base = makeWorkload(21, 20_000);
  const messages = Array.from({ length: n }, (_, i) => {
    const e = base[i % base.length];
    return { key: `default:${e.session_id}`, value: Buffer.from(JSON.stringify({ ...e, seq: i })) };
  });
  const mb = messages.reduce((s, m) => s + m.value.length, 0) / 1e6;

  const kafka = new KafkaJs({ clientId: 'bench-kafkajs', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const stamp = Date.now().toString(36);
  const topics = {};
  for (const name of ['rd-lz4', 'rd-gzip', 'rd-none', 'js-gzip', 'js-none']) {
    topics[name] = `bench.kafka-client.${stamp}.${name}`;
  }
  await admin.createTopics({
    topics: Object.values(topics).map((topic) => ({
      topic,
      numPartitions: 6,
      replicationFactor: 1,
    })),
    waitForLeaders: true,
  });

  const rows = [];
  const row = (client, role, compression, t, count = n, bytes = mb * 1e6) => {
    rows.push({
      client,
      role,
      compression,
      messages: count,
      events_per_sec: Math.round(count / t.seconds),
      mb_per_sec: Number((bytes / 1e6 / t.seconds).toFixed(1)),
      cpu_us_per_msg: Number(((t.cpu_ms * 1000) / count).toFixed(1)),
    });
    console.error(`  ${client} ${role} ${compression}: ${rows.at(-1).events_per_sec}/s`);
  };
  try {
    row(
      'node-rdkafka',
      'produce',
      'lz4',
      await produceRdkafka(brokers, topics['rd-lz4'], messages, 'lz4'),
    );
    row(
      'node-rdkafka',
      'produce',
      'gzip',
      await produceRdkafka(brokers, topics['rd-gzip'], messages, 'gzip'),
    );
    row(
      'node-rdkafka',
      'produce',
      'none',
      await produceRdkafka(brokers, topics['rd-none'], messages, 'none'),
    );
    row(
      'kafkajs',
      'produce',
      'gzip',
      await produceKafkajs(kafka, topics['js-gzip'], messages, 'gzip'),
    );
    row(
      'kafkajs',
      'produce',
      'none',
      await produceKafkajs(kafka, topics['js-none'], messages, 'none'),
    );

    // Consumers read the same topics (gzip and none are readable by both clients).
    for (const [label, topic] of [
      ['gzip', topics['js-gzip']],
      ['none', topics['js-none']],
    ]) {
      const r = await consumeRdkafka(brokers, topic, n);
      row('node-rdkafka', 'consume', label, r, r.got, r.bytes);
      const j = await consumeKafkajs(kafka, topic, n);
      row('kafkajs', 'consume', label, j, j.got, j.bytes);
    }
    const r = await consumeRdkafka(brokers, topics['rd-lz4'], n);
    row('node-rdkafka', 'consume', 'lz4', r, r.got, r.bytes);
  } finally {
    await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
    await admin.disconnect();
  }

  const get = (client, role, c) =>
    rows.find((x) => x.client === client && x.role === role && x.compression === c)?.events_per_sec;
  report(
    'kafka-client',
    rows,
    {
      rdkafka_produce_lz4_per_sec: get('node-rdkafka', 'produce', 'lz4'),
      kafkajs_produce_gzip_per_sec: get('kafkajs', 'produce', 'gzip'),
      kafkajs_produce_none_per_sec: get('kafkajs', 'produce', 'none'),
      rdkafka_consume_gzip_per_sec: get('node-rdkafka', 'consume', 'gzip'),
      kafkajs_consume_gzip_per_sec: get('kafkajs', 'consume', 'gzip'),
      faster_producer:
        get('node-rdkafka', 'produce', 'lz4') >= get('kafkajs', 'produce', 'none')
          ? 'node-rdkafka'
          : 'kafkajs',
    },
    { average_message_bytes: Math.round((mb * 1e6) / n) },
  );
}
