import {
  Inject,
  Injectable,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  type Type,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import {
  type Envelope,
  fromKafkaMessage,
  kafkaHeaders,
  TOPICS,
  topicByName,
  type TopicKey,
  type TopicPayload,
} from '@embargo/contracts';
import {
  APP_IDENTITY,
  type AppIdentity,
  LOGGER,
  Metrics,
  NotReady,
  Readiness,
} from '@embargo/observability';
import type { Batch, Consumer, KafkaMessage } from 'kafkajs';
import { createHash, randomBytes } from 'node:crypto';
import { NotRetryable } from './kafka.producer';
import type { Logger } from 'pino';
import { KafkaService } from './kafka.service';

export interface ConsumedMessage<T> {
  payload: T;
  envelope: Envelope<T>;
  key: string;
  partition: number;
  offset: string;
  timestamp: string;
}

export interface HandlerResult {
  /** Messages the handler refuses for good; they go to the dead-letter topic. */
  rejected?: { offset: string; reason: string }[];
}

/** What a handler may call while it works on a batch. */
export interface HandlerContext {
  /**
   * Tells the group this consumer is alive (sent at most once per heartbeat interval, so it
   * is cheap to call often). A handler that works long on one batch calls it between steps,
   * or the group takes its partitions away and hands the batch to another member. Throws
   * when the group is rebalancing: the work in hand is no longer this member's.
   */
  heartbeat(): Promise<void>;
}

/**
 * A handler receives the valid messages of one partition batch. Throwing means "try
 * again": nothing is committed and the batch is retried with backoff, so side effects
 * must be idempotent (deterministic ids). Throwing NotRetryable means the same input will
 * fail again: the message that causes it is found and dead-lettered.
 */
export interface TopicHandler<K extends TopicKey> {
  handle(
    messages: ConsumedMessage<TopicPayload<K>>[],
    context: HandlerContext,
  ): Promise<HandlerResult | void>;
  /**
   * Whether the handler wants a record, told from its headers alone. A record it does not
   * want is passed over before its value is read (a broadcast topic's records addressed to
   * other instances cost no parsing), and is neither handed over nor dead-lettered.
   */
  accepts?(headers: Record<string, string>): boolean;
  /**
   * Replay bindings only: every record that was in the topic when this process started has
   * been handled, so the state built from it is complete. Called once.
   */
  caughtUp?(): void;
}

export interface ConsumerBinding<K extends TopicKey = TopicKey> {
  topic: K;
  /** Consumer group id. Broadcast bindings get the instance id appended. */
  group: string;
  handler: Type<TopicHandler<K>>;
  /** Every instance reads every message (bundles, revocations, replies). */
  broadcast?: boolean;
  /**
   * A state topic (compacted; each record a current fact: bundles, revocations). Every start
   * reads it from its first record under a consumer group of its own that never commits, so
   * a restarted process (same host name and pid in a container, or a fixed INSTANCE_ID)
   * rebuilds its state instead of resuming after it. The app is not ready, and the handler's
   * `caughtUp` is not called, until the records present at start have been handled.
   * Implies broadcast.
   */
  replay?: boolean;
  /**
   * For throughput consumers (indexers): the broker holds each fetch until this many bytes
   * are waiting or `maxWaitMs` has passed, so batches are fewer and larger at the cost of up
   * to `maxWaitMs` of freshness. Without it a fetch returns as soon as one record is there.
   */
  accumulate?: { minBytes: number; maxWaitMs: number };
}

export function bind<K extends TopicKey>(binding: ConsumerBinding<K>): ConsumerBinding<K> {
  return binding;
}

export const CONSUMER_BINDINGS = Symbol('CONSUMER_BINDINGS');

/** The partition batch a delivery belongs to, and kafkajs's hooks for it. */
interface DeliveryContext {
  readonly batch: Batch;
  readonly groupId: string;
  readonly heartbeat: () => Promise<void>;
  readonly isRunning: () => boolean;
  readonly isStale: () => boolean;
}
const MAX_DLQ_VALUE = 64 * 1024;
/**
 * A dead letter keeps the original key up to this size, else `sha256:<hex>` of it: a key is
 * copied into the ce_partitionkey header too, so a record with a key near the source topic's
 * limit would make a dead letter the dead-letter topic (1 MiB) refuses.
 */
export const MAX_DLQ_KEY_BYTES = 256;
/** Tries to write one dead letter before a topic's refused record is skipped (or held). */
const DEAD_LETTER_ATTEMPTS = 3;
const IDLE_FETCH_WAIT_MS = 500;
const RESTART_FIRST_MS = 1_000;
const RESTART_MAX_MS = 30_000;
/** A consumer that ran this long after joining starts its restart backoff over. */
const RESTART_STABLE_MS = 60_000;

/** Checks the app's one list of topic handlers and runs a consumer per binding. */
@Injectable()
export class ConsumerHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly consumers: Consumer[] = [];
  /** Crashes in a row per group, for the restart backoff. */
  private readonly crashes = new Map<string, number>();
  /** When each group's consumer last joined it. */
  private readonly joinedAt = new Map<string, number>();
  private readonly restarts = new Set<NodeJS.Timeout>();
  private stopping = false;
  private readonly joined = new Set<string>();
  /** Replay bindings that have not yet handled every record present at start. */
  private readonly replaying = new Set<string>();
  /** Tells this start's replay groups from those of an earlier start of the same instance. */
  private readonly bootId = randomBytes(4).toString('hex');
  /** Consumer group id → the binding's own group, which names its dead letters. */
  private readonly letterGroups = new Map<string, string>();
  /** failClosed topics whose partition waits on a dead letter Kafka will not take. */
  private readonly blocked = new Set<string>();

  constructor(
    @Inject(CONSUMER_BINDINGS) private readonly bindings: ConsumerBinding[],
    private readonly moduleRef: ModuleRef,
    private readonly kafka: KafkaService,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_IDENTITY) private readonly identity: AppIdentity,
    @Inject(Readiness) private readonly readiness: Readiness,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {
    validateBindings(bindings);
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const binding of this.bindings) {
      const handler = this.moduleRef.get(binding.handler, { strict: false });
      if (!handler) throw new Error(`no handler instance for topic ${binding.topic}`);
      await this.start(binding, handler);
    }
    if (this.bindings.length) {
      this.readiness.register('kafka-consumers', async () => {
        const waiting = this.bindings.filter((b) => !this.joined.has(this.groupOf(b)));
        if (waiting.length)
          throw new NotReady(`not joined: ${waiting.map((b) => b.topic).join(',')}`);
        if (this.replaying.size) throw new NotReady(`replaying: ${[...this.replaying].join(',')}`);
        if (this.blocked.size)
          throw new NotReady(`dead letter not written: ${[...this.blocked].join(',')}`);
      });
    }
  }

  private groupOf(b: ConsumerBinding): string {
    const group = `${this.kafka.options.groupPrefix ?? ''}${b.group}`;
    const groupId = b.replay
      ? `${group}.${this.identity.instance}.${this.bootId}`
      : b.broadcast
        ? `${group}.${this.identity.instance}`
        : group;
    this.letterGroups.set(groupId, group);
    return groupId;
  }

  private async start(binding: ConsumerBinding, handler: TopicHandler<TopicKey>): Promise<void> {
    const spec = TOPICS[binding.topic];
    const groupId = this.groupOf(binding);
    const consumer = this.kafka.kafka.consumer({
      groupId,
      sessionTimeout: this.kafka.options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: 3000,
      allowAutoTopicCreation: false,
      // A fetch returns as soon as data is there (unless `accumulate` says otherwise); the
      // wait only bounds how often an idle consumer asks, which costs CPU in every process.
      minBytes: binding.accumulate?.minBytes ?? 1,
      maxWaitTimeInMs: binding.accumulate?.maxWaitMs ?? IDLE_FETCH_WAIT_MS,
      // Sized for the largest declared record (masked batches up to 32 MiB).
      maxBytesPerPartition: Math.max(1024 * 1024, spec.maxMessageBytes ?? 0),
      maxBytes: Math.max(10 * 1024 * 1024, (spec.maxMessageBytes ?? 0) * 2),
      retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 5000 },
    });
    consumer.on(consumer.events.GROUP_JOIN, () => this.joined.add(groupId));
    consumer.on(consumer.events.GROUP_JOIN, () => this.joinedAt.set(groupId, Date.now()));
    consumer.on(consumer.events.CRASH, (e) => {
      this.joined.delete(groupId);
      this.logger.error(
        { topic: spec.name, groupId, error: String(e.payload.error), restart: e.payload.restart },
        'consumer crashed',
      );
      // kafkajs starts a consumer again only after errors it deems retriable. Others, such as
      // "the coordinator is not aware of this member" from a commit after the group dropped
      // a consumer that went silent past its session timeout, end it for good, and the app
      // would go on running without reading the topic. Start it again here instead.
      if (!e.payload.restart) this.restartLater(binding, handler, consumer);
    });
    this.consumers.push(consumer);
    try {
      await consumer.connect();
      this.unlessStopping();
      const replayed = binding.replay
        ? await this.trackReplay(consumer, spec.name, handler)
        : undefined;
      await consumer.subscribe({ topics: [spec.name], fromBeginning: binding.replay ?? false });
      this.unlessStopping();
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
          const valid: ConsumedMessage<unknown>[] = [];
          const invalid: { message: KafkaMessage; reason: string }[] = [];
          for (const message of batch.messages) {
            if (handler.accepts && !handler.accepts(kafkaHeaders(message.headers))) continue;
            try {
              const envelope = fromKafkaMessage(message);
              if (!spec.eventTypes.includes(envelope.type)) {
                throw new Error(`event type ${envelope.type} is not declared for ${spec.name}`);
              }
              const parsed = spec.schema.safeParse(envelope.data);
              if (!parsed.success) {
                const issue = parsed.error.issues[0];
                throw new Error(`schema: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
              }
              valid.push({
                payload: parsed.data,
                envelope: { ...envelope, data: parsed.data },
                key: message.key?.toString('utf8') ?? '',
                partition: batch.partition,
                offset: message.offset,
                timestamp: message.timestamp,
              });
            } catch (err) {
              invalid.push({ message, reason: (err as Error).message });
            }
          }
          const context = { batch, groupId, heartbeat, isRunning, isStale };
          for (const bad of invalid) {
            await this.deadLetter(spec.name, context, bad.message, bad.reason);
          }
          if (invalid.length)
            this.metrics.kafkaConsumed.inc(
              { topic: spec.name, outcome: 'dead_lettered' },
              invalid.length,
            );

          if (valid.length) await this.deliver(spec.name, handler, valid, context);
          if (!isRunning() || isStale()) return;
          // Offsets are committed only after the side effect (at-least-once).
          const last = batch.messages[batch.messages.length - 1];
          if (last) {
            // Resolve moves the fetch position (without it kafkajs fetches the same batch
            // again); commit makes the position durable for the group. A replay group is
            // read again from the start by the next process, so it keeps no position.
            resolveOffset(last.offset);
            if (replayed) replayed(batch.partition, last.offset);
            else await this.commit(consumer, spec.name, batch.partition, last.offset);
          }
          await heartbeat();
        },
      });
    } catch (err) {
      // A consumer that could not start is not left connected, nor disconnected again at shutdown.
      const at = this.consumers.indexOf(consumer);
      if (at !== -1) this.consumers.splice(at, 1);
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
    this.logger.info({ topic: spec.name, groupId }, 'consumer started');
  }

  /**
   * Watches a replay binding read up to the end offsets its topic had before the consumer
   * started, then calls the handler's `caughtUp`. Returns what the batch loop reports each
   * handled batch to. Batches that held only records compaction removed never reach that
   * loop; kafkajs's end-of-batch event reports them. Our topics hold no tombstones, so each
   * partition's last record survives compaction and the end is always reached.
   */
  private async trackReplay(
    consumer: Consumer,
    topic: string,
    handler: TopicHandler<TopicKey>,
  ): Promise<(partition: number, lastOffset: string) => void> {
    const remaining = await this.kafka.endOffsets(topic);
    const done = () => {
      this.replaying.delete(topic);
      this.logger.info({ topic }, 'state topic read to its end');
      handler.caughtUp?.();
    };
    const progress = (partition: number, lastOffset: string) => {
      const end = remaining.get(partition);
      if (end === undefined || BigInt(lastOffset) + 1n < end) return;
      remaining.delete(partition);
      if (remaining.size === 0) done();
    };
    if (remaining.size === 0) done();
    else this.replaying.add(topic);
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize === 0) progress(payload.partition, payload.lastOffset);
    });
    return progress;
  }

  /**
   * Hands `messages` to the handler until it succeeds: a failure is retried with backoff
   * (the batch is redelivered whole, so side effects are idempotent), except a NotRetryable
   * one, which is narrowed down to the message that causes it by handing the messages over
   * one at a time; that message is dead-lettered and the partition moves on.
   */
  private async deliver(
    topic: string,
    handler: TopicHandler<TopicKey>,
    messages: ConsumedMessage<unknown>[],
    context: DeliveryContext,
  ): Promise<void> {
    const { batch, groupId, heartbeat, isRunning, isStale } = context;
    const raw = (offset: string) => batch.messages.find((m) => m.offset === offset);
    let attempt = 0;
    while (isRunning() && !isStale()) {
      try {
        const result = await handler.handle(messages as never, { heartbeat });
        for (const r of result?.rejected ?? []) {
          const message = raw(r.offset);
          if (message) await this.deadLetter(topic, context, message, r.reason);
        }
        this.metrics.kafkaConsumed.inc({ topic, outcome: 'ok' }, messages.length);
        return;
      } catch (err) {
        // From the handler's own heartbeat: the batch is gone, not the handler failing.
        if (groupChanged(err)) throw err;
        if (err instanceof NotRetryable) {
          if (messages.length > 1) {
            for (const one of messages) await this.deliver(topic, handler, [one], context);
            return;
          }
          const message = raw(messages[0].offset);
          if (message)
            await this.deadLetter(topic, context, message, `not retryable: ${err.message}`);
          this.metrics.kafkaConsumed.inc({ topic, outcome: 'dead_lettered' });
          return;
        }
        attempt += 1;
        this.metrics.kafkaConsumed.inc({ topic, outcome: 'retried' }, messages.length);
        const delay = Math.min(5000, 100 * 2 ** Math.min(attempt, 6));
        this.logger.warn(
          { topic, groupId, attempt, delay, err: { message: (err as Error).message } },
          'handler failed, retrying batch',
        );
        await new Promise((r) => setTimeout(r, delay));
        await heartbeat().catch(unlessBatchLost);
      }
    }
  }

  private async commit(
    consumer: Consumer,
    topic: string,
    partition: number,
    offset: string,
  ): Promise<void> {
    await consumer.commitOffsets([{ topic, partition, offset: (BigInt(offset) + 1n).toString() }]);
  }

  /**
   * Writes a refused record to the dead-letter topic, so the partition can move past it. A
   * write that keeps failing must not stop the partition for good: after a few tries the
   * record is skipped with an error in the log and a `dead_letter_failed` count, except on
   * a `failClosed` topic (revocations, bundles), where the partition waits, retrying, and
   * the app reports not ready until the dead letter is written.
   */
  private async deadLetter(
    topic: string,
    context: DeliveryContext,
    message: KafkaMessage,
    reason: string,
  ): Promise<void> {
    const { batch, groupId, heartbeat, isRunning, isStale } = context;
    const failClosed = topicByName(topic)?.failClosed ?? false;
    this.logger.warn(
      { topic, partition: batch.partition, offset: message.offset, reason },
      'message dead-lettered',
    );
    for (let attempt = 1; ; attempt++) {
      try {
        await this.writeDeadLetter(topic, batch.partition, groupId, message, reason);
        this.blocked.delete(topic);
        return;
      } catch (err) {
        const hopeless = err instanceof NotRetryable;
        const failure = {
          topic,
          partition: batch.partition,
          offset: message.offset,
          attempt,
          err: { message: (err as Error).message },
        };
        if (!isRunning() || isStale()) {
          // The partition is no longer this consumer's to hold: nothing is held here any more.
          this.blocked.delete(topic);
          throw err;
        }
        if (!failClosed && (hopeless || attempt >= DEAD_LETTER_ATTEMPTS)) {
          this.logger.error(failure, 'dead letter could not be written; record skipped');
          this.metrics.kafkaConsumed.inc({ topic, outcome: 'dead_letter_failed' });
          return;
        }
        if (failClosed && attempt === DEAD_LETTER_ATTEMPTS) {
          this.blocked.add(topic);
          this.logger.error(failure, 'dead letter could not be written; partition held');
        }
        await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** attempt)));
        await heartbeat().catch((beat: unknown) => {
          if (!groupChanged(beat)) return;
          this.blocked.delete(topic);
          throw beat;
        });
      }
    }
  }

  private async writeDeadLetter(
    topic: string,
    partition: number,
    groupId: string,
    message: KafkaMessage,
    reason: string,
  ): Promise<void> {
    // Unmasked input is never copied onto a topic kept for 30 days.
    const withheld = topicByName(topic)?.rawInput ?? false;
    const value = withheld ? Buffer.alloc(0) : (message.value ?? Buffer.alloc(0));
    const truncated = value.length > MAX_DLQ_VALUE;
    await this.kafka.publisher.publish(
      'deadLetters',
      {
        sourceTopic: topic,
        partition,
        offset: message.offset,
        consumerGroup: groupId,
        reason: reason.slice(0, 2000),
        valueBase64: value.subarray(0, MAX_DLQ_VALUE).toString('base64'),
        truncated,
        ...(withheld ? { valueWithheld: true } : {}),
        receivedAt: new Date().toISOString(),
      },
      {
        key: deadLetterKey(message.key) ?? `${topic}:${partition}:${message.offset}`,
        // Named by the binding's group, not by the instance or boot reading it: a record every
        // start reads again (replayed state topics) is one dead letter, not one per start.
        idParts: [
          'dlq',
          this.letterGroups.get(groupId) ?? groupId,
          topic,
          String(partition),
          message.offset,
        ],
      },
    );
  }

  /**
   * Starts a binding again after its consumer ended for good: 1 s after the first crash,
   * doubling up to 30 s while it keeps crashing, before it joins its group or within a minute
   * of joining it. The app reports not ready meanwhile (its group is not joined).
   */
  private restartLater(
    binding: ConsumerBinding,
    handler: TopicHandler<TopicKey>,
    dead: Consumer,
  ): void {
    const at = this.consumers.indexOf(dead);
    if (at !== -1) this.consumers.splice(at, 1);
    if (this.stopping) return;
    const groupId = this.groupOf(binding);
    // Not reset by joining alone: each start joins the group, a rebalance that stops every
    // member, so a consumer that crashes again soon after each join keeps backing off.
    const joinedAt = this.joinedAt.get(groupId);
    this.joinedAt.delete(groupId);
    if (joinedAt !== undefined && Date.now() - joinedAt >= RESTART_STABLE_MS)
      this.crashes.delete(groupId);
    const crashes = (this.crashes.get(groupId) ?? 0) + 1;
    this.crashes.set(groupId, crashes);
    const delay = Math.min(RESTART_MAX_MS, RESTART_FIRST_MS * 2 ** (crashes - 1));
    const topic = TOPICS[binding.topic].name;
    this.logger.warn({ topic, groupId, delay }, 'starting the consumer again');
    const timer = setTimeout(() => {
      this.restarts.delete(timer);
      if (this.stopping) return;
      this.metrics.kafkaConsumerRestarts.inc({ topic });
      this.start(binding, handler).catch((err: unknown) => {
        if (this.stopping) return;
        this.logger.error(
          { topic, groupId, error: String(err) },
          'consumer could not be started again',
        );
        this.restartLater(binding, handler, dead);
      });
    }, delay);
    this.restarts.add(timer);
  }

  /**
   * A consumer started again can still be connecting when shutdown disconnects it; run()
   * would connect it once more and join its group after the app has stopped.
   */
  private unlessStopping(): void {
    if (this.stopping) throw new Error('the app is shutting down');
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const timer of this.restarts) clearTimeout(timer);
    this.restarts.clear();
    // disconnect() waits for the batch in hand to finish: in-flight work drains.
    await Promise.all(this.consumers.map((c) => c.disconnect().catch(() => undefined)));
  }
}

/**
 * The group answered a heartbeat saying the batch in hand is no longer this member's: it is
 * rebalancing (kafkajs's own test, plus a member the group dropped). kafkajs joins again
 * when such an error leaves the batch, and only then; a retry loop that swallowed it kept
 * the member out of the rebalance (every other member waited for it, up to the rebalance
 * timeout) and then committed a batch it no longer held, which crashed the consumer.
 */
function groupChanged(err: unknown): boolean {
  const type = (err as { type?: unknown } | null)?.type;
  return (
    type === 'REBALANCE_IN_PROGRESS' ||
    type === 'ILLEGAL_GENERATION' ||
    type === 'NOT_COORDINATOR_FOR_GROUP' ||
    type === 'UNKNOWN_MEMBER_ID'
  );
}

/** For a heartbeat between retries: other failures wait for the next try. */
function unlessBatchLost(err: unknown): void {
  if (groupChanged(err)) throw err;
}

/** The original key when short enough, else its digest; undefined when the record had none. */
export function deadLetterKey(key: Buffer | null): string | undefined {
  if (!key) return undefined;
  if (key.length <= MAX_DLQ_KEY_BYTES) return key.toString('utf8');
  return `sha256:${createHash('sha256').update(key).digest('hex')}`;
}

/** An app refuses to start when a topic has two handlers or a handler is missing. */
export function validateBindings(bindings: ConsumerBinding[]): void {
  const seen = new Set<string>();
  for (const b of bindings) {
    if (!(b.topic in TOPICS))
      throw new Error(`consumer binding names unknown topic ${String(b.topic)}`);
    if (!b.handler) throw new Error(`topic ${b.topic} has no handler`);
    if (seen.has(b.topic)) throw new Error(`topic ${b.topic} has more than one handler`);
    seen.add(b.topic);
  }
}
