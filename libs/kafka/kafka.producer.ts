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
  /**
   * Nobody waits on this event right now (e.g. written after the response went out): it
   * may wait up to the linger time for a batch someone does wait on, instead of costing a
   * round trip of its own.
   */
  deferrable?: boolean;
}

/** A topic's record limit when it declares none (Kafka's default max.message.bytes). */
const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;
/** Room left under the limit for the record and batch framing the broker also counts. */
const RECORD_OVERHEAD_BYTES = 64 * 1024;

/**
 * Bytes of records per sendBatch. One produce request carries a whole sendBatch, and the
 * broker closes the connection on a request over socket.request.max.bytes (100 MiB by
 * default): under load the queue could gather more than that. A record larger than this
 * (policy bundles reach 36 MiB) goes in a request of its own.
 */
const MAX_SEND_BYTES = 8 * 1024 * 1024;
/**
 * Bytes of records waiting for Kafka, queued or in flight. While Kafka is slow or away the
 * queue would otherwise grow with every request; past this a publish fails at once, and the
 * caller fails closed as it does when Kafka does not acknowledge in time. One large request
 * puts about three times its body on Kafka (its mask-request chunks, then its `masked`
 * event with the masked text and the sealed original): 256 MiB holds several of the largest
 * (`MAX_BODY_BYTES` is at most 64 MiB) in flight at once.
 */
const MAX_QUEUED_BYTES = 256 * 1024 * 1024;

/** What a record weighs against max.message.bytes: its key, its headers and its value. */
export function recordBytes(message: {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}): number {
  let bytes = Buffer.byteLength(message.key) + message.value.length;
  for (const [name, value] of Object.entries(message.headers))
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  return bytes;
}

/**
 * A failure the same input meets every time (a record over its topic's limit, a payload
 * that is not what its topic declares): retrying cannot help. A consumer handler that
 * throws one has the message that caused it dead-lettered instead of retried.
 */
export class NotRetryable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotRetryable';
  }
}

/**
 * A record larger than its topic accepts. Refused before sending: the broker would refuse
 * it anyway, and with it every other record of the same batch.
 */
export class RecordTooLarge extends NotRetryable {
  constructor(
    readonly topic: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`record of ${bytes} bytes is over ${topic}'s limit of ${limit}`);
    this.name = 'RecordTooLarge';
  }
}

interface Pending {
  topic: string;
  urgent: boolean;
  bytes: number;
  message: { key: string; value: Buffer; headers: Record<string, string> };
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * Publishes CloudEvents with acks=all on an idempotent producer. Sends are grouped: the
 * events published in one synchronous stretch (a request's received, authenticated and
 * decided events) leave together at the next microtask, and while one batch is in flight the
 * next one gathers, so many concurrent requests share one round trip (group commit) without
 * adding latency when the load is light. Deferrable events ride along with the next batch
 * someone waits on, or go after `lingerMs`.
 */
export class EventPublisher {
  private queue: Pending[] = [];
  /** Bytes queued or in flight (at most maxQueuedBytes). */
  private waitingBytes = 0;
  private inFlight = false;
  private urgentQueued = 0;
  private lingerTimer?: NodeJS.Timeout;
  private pumpScheduled = false;
  /** Events still being prepared (see `track`). */
  private preparing = new Set<Promise<void>>();

  constructor(
    private readonly producer: Producer,
    private readonly source: string,
    private readonly logger: Logger,
    private readonly metrics?: Metrics,
    private readonly timeoutMs = 5000,
    private readonly lingerMs = 20,
    private readonly maxQueuedBytes = MAX_QUEUED_BYTES,
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
        new NotRetryable(
          `payload for ${spec.name} does not match its schema: ${parsed.error.issues[0]?.message}`,
        ),
      );
    }
    const type = opts.type ?? spec.eventTypes[0];
    if (!spec.eventTypes.includes(type)) {
      return Promise.reject(
        new NotRetryable(`event type ${type} is not declared for ${spec.name}`),
      );
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
    const limit = (spec.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES) - RECORD_OVERHEAD_BYTES;
    // The key and headers count: a long key is carried twice (as the key and as the
    // ce_partitionkey header), and the broker refuses the record for their bytes too.
    const bytes = recordBytes(message);
    if (bytes > limit) return Promise.reject(new RecordTooLarge(spec.name, bytes, limit));
    if (this.waitingBytes + bytes > this.maxQueuedBytes)
      return Promise.reject(
        new Error(
          `Kafka publish queue is full (${this.waitingBytes} bytes waiting); ${spec.name} not sent`,
        ),
      );
    this.waitingBytes += bytes;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        reject(new Error(`Kafka did not acknowledge ${spec.name} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      const urgent = !opts.deferrable;
      if (urgent) this.urgentQueued++;
      this.queue.push({
        topic: spec.name,
        urgent,
        bytes,
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
      if (urgent) this.schedulePump();
      else this.linger();
    });
  }

  /** Sends at the next microtask, so the events published alongside this one join its batch. */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /**
   * Work that ends by publishing (an event still being computed after the response went
   * out): `flush` waits for it too, or shutdown would disconnect before it is queued.
   */
  track(work: Promise<unknown>): void {
    const done = work.then(
      () => undefined,
      () => undefined,
    );
    this.preparing.add(done);
    void done.then(() => this.preparing.delete(done));
  }

  /**
   * Resolves once everything queued or tracked so far has been sent (or failed), or after
   * `withinMs`.
   */
  async flush(withinMs = 3000): Promise<void> {
    const deadline = Date.now() + withinMs;
    while (
      (this.queue.length > 0 || this.inFlight || this.preparing.size > 0) &&
      Date.now() < deadline
    ) {
      if (this.queue.length > 0) this.urgentQueued = this.queue.length; // send what lingers now
      this.pump();
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  private linger(): void {
    this.lingerTimer ??= setTimeout(() => {
      this.lingerTimer = undefined;
      this.urgentQueued++;
      this.pump();
    }, this.lingerMs);
  }

  private pump(): void {
    if (this.inFlight || this.queue.length === 0) return;
    if (this.urgentQueued === 0) return this.linger();
    // The oldest records, up to MAX_SEND_BYTES (at least one); the rest go next, at once.
    let take = 0;
    let bytes = 0;
    while (
      take < this.queue.length &&
      (take === 0 || bytes + this.queue[take].bytes <= MAX_SEND_BYTES)
    )
      bytes += this.queue[take++].bytes;
    const batch = this.queue.slice(0, take);
    this.queue = this.queue.slice(take);
    // What is left was due with this batch: it goes as soon as this one is answered.
    this.urgentQueued = this.queue.length;
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
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
        this.waitingBytes -= bytes;
        this.inFlight = false;
        this.pump();
      });
  }
}
