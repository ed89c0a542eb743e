import {
  fromKafkaMessage,
  TOPICS,
  type DeadLetter,
  type MaskRequest,
  type Revocation,
} from '@embargo/contracts';
import {
  bind,
  ConsumerHost,
  KafkaService,
  NotRetryable,
  readTopicToEnd,
  type ConsumedMessage,
  type ConsumerBinding,
  type TopicHandler,
} from '@embargo/kafka';
import { Metrics, Readiness } from '@embargo/observability';
import { eventually, LOCAL_INFRA } from '@embargo/testing';
import type { ModuleRef } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import pino from 'pino';

/** Throws NotRetryable for any batch holding a poison value, and notes what it handled. */
class PickyHandler implements TopicHandler<'revocations'> {
  readonly handled: string[] = [];
  calls = 0;

  handle(messages: ConsumedMessage<Revocation>[]): Promise<void> {
    this.calls += 1;
    if (messages.some((m) => m.payload.value.endsWith('poison')))
      return Promise.reject(new NotRetryable('this value can never be handled'));
    this.handled.push(...messages.map((m) => m.payload.value));
    return Promise.resolve();
  }
}

/** Refuses every mask request for good. */
class RefusingMasker implements TopicHandler<'maskRequests'> {
  handle(): Promise<void> {
    return Promise.reject(new NotRetryable('cannot mask this'));
  }
}

/**
 * The consumer host on the real broker: a handler failure that retrying cannot mend is
 * narrowed down to the one message that causes it, which is dead-lettered, and the
 * partition moves on (before, the batch was retried without end).
 */
/**
 * A ConsumerHost with `bindings` on the real broker, started before the describe block's
 * tests (once every group has joined) and stopped after them; `handlers` maps each
 * binding's handler class to its instance.
 */
function consumerFixture(
  run: string,
  bindings: (group: string) => ConsumerBinding[],
  handlers: (type: unknown) => unknown,
  options: { sessionTimeoutMs?: number } = {},
) {
  const logger = pino({ level: 'silent' });
  const readiness = new Readiness();
  const metrics = new Metrics('consumer-test');
  const identity = { name: 'consumer-test', instance: run };
  const kafka = new KafkaService(
    { clientId: `consumer-test-${run}`, brokers: LOCAL_INFRA.KAFKA_BROKERS.split(','), ...options },
    logger,
    identity,
    readiness,
    metrics,
  );
  const group = `consumer-test-${run}`;
  const host = new ConsumerHost(
    bindings(group),
    { get: handlers } as unknown as ModuleRef,
    kafka,
    logger,
    identity,
    readiness,
    metrics,
  );

  beforeAll(async () => {
    await kafka.onModuleInit();
    await host.onApplicationBootstrap();
    await eventually(
      async () => ((await readiness.run()).ok ? true : undefined),
      30_000,
      'the consumer to join',
    );
  }, 60_000);

  afterAll(async () => {
    await host.onApplicationShutdown();
    await kafka.onApplicationShutdown();
  });

  const revoke = (value: string) =>
    kafka.publisher.publish(
      'revocations',
      {
        kind: 'principal',
        value,
        revokedBy: 'consumer-test',
        revokedAt: new Date().toISOString(),
        active: false,
        signature: { alg: 'Ed25519', kid: 'p1', value: 'A'.repeat(86) },
      },
      { key: `principal:${value}` },
    );
  return { kafka, readiness, metrics, group, revoke };
}

describe('kafka consumer: a failure that retrying cannot mend', () => {
  const run = randomUUID();
  const handler = new PickyHandler();
  const masker = new RefusingMasker();
  const { kafka, group, revoke } = consumerFixture(
    run,
    (group) => [
      bind({ topic: 'revocations', group, handler: PickyHandler }),
      bind({ topic: 'maskRequests', group: `${group}-masks`, handler: RefusingMasker }),
    ],
    (type) => (type === PickyHandler ? handler : masker),
  );

  it('dead-letters the message that causes it and handles the others of its batch', async () => {
    const values = ['a', 'b', 'poison', 'c'].map((v) => `${run}-${v}`);
    await Promise.all(values.map(revoke));
    await eventually(
      async () => (handler.handled.length >= 3 ? true : undefined),
      30_000,
      'the healthy messages to be handled',
    );
    expect([...handler.handled].sort()).toEqual([values[0], values[1], values[3]].sort());

    const letters = await deadLetters(TOPICS.revocations.name);
    expect(letters).toHaveLength(1);
    expect(letters[0].reason).toMatch(/^not retryable: this value can never be handled/);
    expect(letters[0].value).toContain(values[2]);

    // The partition moved on: what comes next is handled.
    await revoke(`${run}-d`);
    await eventually(
      async () => (handler.handled.includes(`${run}-d`) ? true : undefined),
      30_000,
      'a later message to be handled',
    );
  }, 90_000);

  it('dead-letters a message of a topic holding raw input without copying it', async () => {
    const secret = `card 4111 1111 1111 1111 of ${run}`;
    const request: MaskRequest = {
      requestId: `r-${run}`,
      replyTo: run,
      offset: 0,
      texts: [secret],
      entities: {},
      deadline: Date.now() + 60_000,
    };
    await kafka.publisher.publish('maskRequests', request, { key: request.requestId });
    const letters = await deadLetters(TOPICS.maskRequests.name);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ value: '', withheld: true, truncated: false });
    expect(letters[0].reason).toMatch(/cannot mask this/);
  }, 90_000);

  /** The dead letters this test's group wrote for `sourceTopic`, once there is one. */
  async function deadLetters(
    sourceTopic: string,
  ): Promise<{ reason: string; value: string; withheld?: boolean; truncated: boolean }[]> {
    const letters: { reason: string; value: string; withheld?: boolean; truncated: boolean }[] = [];
    await eventually(
      async () => {
        letters.length = 0;
        await readTopicToEnd(kafka.kafka, TOPICS.deadLetters.name, (key, value, headers) => {
          if (!value) return;
          const data = fromKafkaMessage({ key: Buffer.from(key), value, headers })
            .data as DeadLetter;
          if (data.consumerGroup.startsWith(group) && data.sourceTopic === sourceTopic)
            letters.push({
              reason: data.reason,
              value: Buffer.from(data.valueBase64, 'base64').toString(),
              withheld: data.valueWithheld,
              truncated: data.truncated,
            });
        });
        return letters.length > 0 ? true : undefined;
      },
      30_000,
      'the dead letter',
    );
    return letters;
  }
});

/** Holds a batch with a value ending in "-stall" past the group's session timeout, once. */
class StallingHandler implements TopicHandler<'revocations'> {
  readonly handled: string[] = [];
  private stalled = false;
  constructor(private readonly stallMs: number) {}

  async handle(messages: ConsumedMessage<Revocation>[]): Promise<void> {
    if (!this.stalled && messages.some((m) => m.payload.value.endsWith('-stall'))) {
      this.stalled = true;
      await new Promise((r) => setTimeout(r, this.stallMs));
    }
    this.handled.push(...messages.map((m) => m.payload.value));
  }
}

/**
 * A consumer the group dropped (it went silent longer than the session timeout: a batch that
 * took too long, a stalled process) comes back by itself. Before, its next commit failed with
 * "the coordinator is not aware of this member", kafkajs gave up on the consumer for good and
 * the app went on running without reading the topic: an audit indexer stopped indexing.
 */
describe('kafka consumer: a member the group dropped', () => {
  const run = randomUUID();
  const handler = new StallingHandler(12_000);
  const { readiness, metrics, revoke } = consumerFixture(
    run,
    (group) => [bind({ topic: 'revocations', group, handler: StallingHandler })],
    () => handler,
    { sessionTimeoutMs: 6_000 },
  );

  it('rejoins and goes on reading after it was dropped', async () => {
    const handled = (value: string, what: string, ms = 30_000) =>
      eventually(async () => (handler.handled.includes(value) ? true : undefined), ms, what);
    // The group has a committed position before the stall, as a running app's group has.
    await revoke(`${run}-before`);
    await handled(`${run}-before`, 'a first message to be handled');
    await revoke(`${run}-stall`);
    await handled(`${run}-stall`, 'the stalled batch to be handled');
    await revoke(`${run}-later`);
    await handled(`${run}-later`, 'a message sent after the consumer was dropped', 45_000);
    await eventually(
      async () => ((await readiness.run()).ok ? true : undefined),
      30_000,
      'the consumer to report ready again',
    );
    expect(
      await metrics.registry.getSingleMetricAsString('embargo_kafka_consumer_restarts_total'),
    ).toMatch(/embargo_kafka_consumer_restarts_total\{topic="embargo\.revocations\.v1"[^}]*\} 1$/m);
  }, 120_000);
});
