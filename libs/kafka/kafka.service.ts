import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ALL_TOPICS } from '@embargo/contracts';
import {
  APP_IDENTITY,
  type AppIdentity,
  LOGGER,
  Metrics,
  NotReady,
  Readiness,
} from '@embargo/observability';
import {
  Admin,
  ConfigResourceTypes,
  Kafka,
  logLevel,
  Partitioners,
  Producer,
  type SASLOptions,
} from 'kafkajs';
import type { KafkaSecurity } from '@embargo/config';
import type { Logger } from 'pino';
import { EventPublisher } from './kafka.producer';
import { limitsToRaise } from './topic-limits';
import './request-queue-fix';

export const KAFKA_OPTIONS = Symbol('KAFKA_OPTIONS');
export interface KafkaOptions {
  brokers: string[];
  clientId: string;
  /** Prepended to every consumer group id (KAFKA_GROUP_PREFIX). */
  groupPrefix?: string;
  /** How long a publish may wait for acks=all before the caller fails closed. */
  publishTimeoutMs?: number;
  /**
   * How long the group waits for a consumer's heartbeat before it hands the consumer's
   * partitions to another (30 s). The broker accepts 6 s to 5 min by default.
   */
  sessionTimeoutMs?: number;
  /** TLS and SASL, as `kafkaSecurity` reads them from the settings. */
  ssl?: KafkaSecurity['ssl'];
  sasl?: KafkaSecurity['sasl'];
}

/** Owns the Kafka client, the idempotent producer and topic creation at start-up. */
@Injectable()
export class KafkaService implements OnModuleInit, OnApplicationShutdown {
  readonly kafka: Kafka;
  readonly producer: Producer;
  readonly publisher: EventPublisher;
  private admin?: Admin;

  constructor(
    @Inject(KAFKA_OPTIONS) readonly options: KafkaOptions,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_IDENTITY) identity: AppIdentity,
    @Inject(Readiness) private readonly readiness: Readiness,
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      ssl: options.ssl,
      // kafkajs types each mechanism apart; the settings were checked together at start-up.
      sasl: options.sasl as SASLOptions | undefined,
      connectionTimeout: 3000,
      requestTimeout: 10000,
      retry: { initialRetryTime: 100, retries: 4, maxRetryTime: 2000 },
      logLevel: logLevel.WARN,
      logCreator:
        () =>
        ({ level, log }) => {
          const { message, ...extra } = log;
          const fn = level <= logLevel.ERROR ? 'error' : level === logLevel.WARN ? 'warn' : 'debug';
          this.logger[fn]({ kafka: extra }, `kafka: ${String(message)}`);
        },
    });
    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.publisher = new EventPublisher(
      this.producer,
      identity.name,
      logger,
      metrics,
      options.publishTimeoutMs ?? 5000,
    );
  }

  async onModuleInit(): Promise<void> {
    this.admin = this.kafka.admin();
    await this.admin.connect();
    await this.ensureTopics();
    await this.producer.connect();
    this.readiness.register('kafka', async () => {
      if (!this.admin) throw new NotReady('not connected');
      await this.admin.describeCluster();
    });
  }

  /** The end offset of each partition of `topic` that holds records (high watermark > low). */
  async endOffsets(topic: string): Promise<Map<number, bigint>> {
    const admin = this.admin ?? this.kafka.admin();
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(
      offsets
        .filter((p) => BigInt(p.high) > BigInt(p.low))
        .map((p) => [p.partition, BigInt(p.high)]),
    );
  }

  /**
   * Creates every declared topic that does not exist yet, as the registry says, and raises the
   * record limit of existing ones that were created before the registry raised it.
   */
  async ensureTopics(): Promise<void> {
    const admin = this.admin ?? this.kafka.admin();
    const existing = new Set(await admin.listTopics());
    await this.raiseLimits(
      admin,
      ALL_TOPICS.filter((t) => existing.has(t.name) && t.maxMessageBytes !== undefined),
    );
    const missing = ALL_TOPICS.filter((t) => !existing.has(t.name));
    if (missing.length === 0) return;
    await admin
      .createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({
          topic: t.name,
          numPartitions: t.partitions,
          replicationFactor: -1,
          configEntries: [
            { name: 'cleanup.policy', value: t.cleanupPolicy },
            ...(t.maxMessageBytes
              ? [{ name: 'max.message.bytes', value: String(t.maxMessageBytes) }]
              : []),
            ...(t.retentionMs !== undefined && t.cleanupPolicy === 'delete'
              ? [{ name: 'retention.ms', value: String(t.retentionMs) }]
              : []),
          ],
        })),
      })
      .catch((err: Error & { type?: string }) => {
        // Another instance created it between our list and create: that is fine.
        if (err.type !== 'TOPIC_ALREADY_EXISTS' && !/already exists/i.test(err.message)) throw err;
      });
    this.logger.info({ topics: missing.map((t) => t.name) }, 'created topics');
  }

  private async raiseLimits(admin: Admin, topics: typeof ALL_TOPICS): Promise<void> {
    if (topics.length === 0) return;
    try {
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: topics.map((t) => ({ type: ConfigResourceTypes.TOPIC, name: t.name })),
      });
      const resources = limitsToRaise(topics, described);
      if (resources.length === 0) return;
      await admin.alterConfigs({ validateOnly: false, resources });
      this.logger.info({ topics: resources.map((r) => r.name) }, 'raised topic record limits');
    } catch (err) {
      // Without the AlterConfigs right the service still runs; only records over the old
      // limit fail, and this line says which setting to change by hand.
      this.logger.warn(
        {
          err: { message: (err as Error).message },
          topics: topics.map((t) => ({ topic: t.name, 'max.message.bytes': t.maxMessageBytes })),
        },
        'could not check or raise topic record limits',
      );
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.publisher.flush();
    await this.producer.disconnect().catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
  }
}

/**
 * Reads a topic from the beginning up to its current end and returns the decoded
 * records: how a service rebuilds state kept in a compacted topic at start-up.
 */
export async function readTopicToEnd(
  kafka: Kafka,
  topic: string,
  onRecord: (key: string, value: Buffer | null, headers: Record<string, string>) => void,
  timeoutMs = 30000,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(
    ends.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]),
  );
  if (remaining.size === 0) return;
  const consumer = kafka.consumer({
    groupId: `embargo-reader-${process.pid}-${Date.now()}`,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`reading ${topic} timed out`)), timeoutMs);
    consumer
      .run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(message.headers ?? {}))
            if (v !== undefined) headers[k] = String(v);
          onRecord(message.key?.toString('utf8') ?? '', message.value, headers);
          const end = remaining.get(partition);
          if (end !== undefined && BigInt(message.offset) + 1n >= end) remaining.delete(partition);
          if (remaining.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
}
