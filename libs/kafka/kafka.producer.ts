import {
  deterministicEventId,
  EVENT_SOURCE_PREFIX,
  toKafkaMessage,
  TOPICS,
  type TopicKey,
  type TopicPayload,
} from '@embargo/contracts';
import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { Metrics } from '@embargo/observability';

export interface PublishOptions {
  key: string;
  /** CloudEvent type; defaults to the topic's only type. */
  type?: string;
  /** Deterministic id for idempotent consumers; random when not given. */
  id?: string;
  idParts?: string[];
  subject?: string;
  requestId?: string;
}

interface Pending {
  topic: string;
  message: { key: string; value: Buffer; headers: Record<string, string> };
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * Publishes CloudEvents with acks=all on an idempotent producer. Sends are grouped:
 * while one batch is in flight the next one gathers, so many concurrent requests share
 * one round trip (group commit) without adding latency when the load is light.
 */
export class EventPublisher {
  private queue: Pending[] = [];
  private inFlight = false;

  constructor(
    private readonly producer: Producer,
    private readonly source: string,
    private readonly logger: Logger,
    private readonly metrics?: Metrics,
    private readonly timeoutMs = 5000,
  ) {}

  publish<K extends TopicKey>(
    topicKey: K,
    payload: TopicPayload<K>,
    opts: PublishOptions,
  ): Promise<void> {
    const spec = TOPICS[topicKey];
    const parsed = spec.schema.safeParse(payload);
    if (!parsed.success) {
      // A bug in our own code: refuse to write an event the consumers would dead-letter.
      return Promise.reject(
        new Error(
          `payload for ${spec.name} does not match its schema: ${parsed.error.issues[0]?.message}`,
        ),
      );
    }
    const type = opts.type ?? spec.eventTypes[0];
    if (!spec.eventTypes.includes(type)) {
      return Promise.reject(new Error(`event type ${type} is not declared for ${spec.name}`));
    }
    const id = opts.id ?? (opts.idParts ? deterministicEventId(...opts.idParts) : randomUUID());
    const message = toKafkaMessage(
      {
        id,
        type,
        source: `${EVENT_SOURCE_PREFIX}${this.source}`,
        time: new Date().toISOString(),
        subject: opts.subject,
        requestid: opts.requestId,
        data: parsed.data,
      },
      opts.key,
    );
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        reject(new Error(`Kafka did not acknowledge ${spec.name} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.queue.push({
        topic: spec.name,
        message,
        resolve: () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve();
        },
        reject: (err) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          reject(err);
        },
      });
      this.pump();
    });
  }

  private pump(): void {
    if (this.inFlight || this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.inFlight = true;
    const byTopic = new Map<string, Pending['message'][]>();
    for (const p of batch) {
      const list = byTopic.get(p.topic) ?? [];
      list.push(p.message);
      byTopic.set(p.topic, list);
    }
    this.producer
      .sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      })
      .then(() => {
        for (const [topic, messages] of byTopic)
          this.metrics?.kafkaProduced.inc({ topic }, messages.length);
        for (const p of batch) p.resolve();
      })
      .catch((err: Error) => {
        this.logger.error({ err: { message: err.message, name: err.name } }, 'kafka send failed');
        for (const p of batch) p.reject(err);
      })
      .finally(() => {
        this.inFlight = false;
        this.pump();
      });
  }
}
