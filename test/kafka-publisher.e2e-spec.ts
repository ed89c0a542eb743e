import { keyringSetting } from '@embargo/config';
import { MASK_EVENT_TYPES, maskRequestDigest, TOPICS, type MaskRequest } from '@embargo/contracts';
import {
  EventPublisher,
  RecordTooLarge,
  type ConsumedMessage,
  type KafkaService,
} from '@embargo/kafka';
import { randomBytes } from 'node:crypto';
import type { MaskingConfig } from '../apps/masking/config';
import { MaskRequestsConsumer } from '../apps/masking/worker/mask-requests.consumer';
import { LOCAL_INFRA } from '@embargo/testing';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import pino from 'pino';

// Deferrable events (written after a response has gone) ride along with the next batch a
// caller waits on instead of costing a round trip each, and are never left behind.
describe('EventPublisher on the real broker', () => {
  const kafka = new Kafka({
    clientId: 'publisher-e2e',
    brokers: LOCAL_INFRA.KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  let producer: Producer;
  let admin: Admin;
  const topic = TOPICS.requestEvents.name;
  const run = `publisher-e2e-${Date.now()}`;

  beforeAll(async () => {
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    admin = kafka.admin();
    await Promise.all([producer.connect(), admin.connect()]);
  });
  afterAll(async () => {
    await Promise.all([producer.disconnect(), admin.disconnect()]);
  });

  const received = (requestId: string) =>
    ({
      requestId,
      instance: run,
      stage: 'received',
      method: 'POST',
      path: '/v1/embeddings',
      byteSize: 10,
    }) as const;
  const publish = (p: EventPublisher, requestId: string, deferrable: boolean) =>
    p.publish('requestEvents', received(requestId), {
      key: requestId,
      type: 'dev.embargo.request.received.v1',
      deferrable,
    });
  const endOffsets = async (): Promise<bigint> =>
    (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + BigInt(p.high), 0n);
  const withLinger = (lingerMs: number) =>
    new EventPublisher(producer, 'e2e', pino({ level: 'silent' }), undefined, 10_000, lingerMs);
  const within = <T>(p: Promise<T>, ms: number): Promise<T | 'pending'> =>
    Promise.race([p, new Promise<'pending'>((r) => setTimeout(() => r('pending'), ms))]);

  it('sends the events published together (one request) in one round trip', async () => {
    let batches = 0;
    const counted = {
      ...producer,
      sendBatch: (batch: Parameters<Producer['sendBatch']>[0]) => {
        batches++;
        return producer.sendBatch(batch);
      },
    };
    const publisher = new EventPublisher(counted, 'e2e', pino({ level: 'silent' }));
    const before = await endOffsets();
    await Promise.all(
      ['received', 'authenticated', 'decided'].map((k) => publish(publisher, `${run}-${k}`, false)),
    );
    expect(batches).toBe(1);
    expect((await endOffsets()) - before).toBeGreaterThanOrEqual(3n);
  });

  it('sends a deferrable event with the next urgent batch, long before its linger ends', async () => {
    const publisher = withLinger(60_000);
    const before = await endOffsets();
    const later = publish(publisher, `${run}-later`, true);
    expect(await within(later, 300)).toBe('pending');
    await publish(publisher, `${run}-now`, false);
    expect(await within(later, 1000)).toBeUndefined();
    expect((await endOffsets()) - before).toBeGreaterThanOrEqual(2n);
  });

  it('sends a lone deferrable event after its linger, and at once on flush', async () => {
    const publisher = withLinger(200);
    await expect(within(publish(publisher, `${run}-lone`, true), 5000)).resolves.toBeUndefined();

    const slow = withLinger(60_000);
    const before = await endOffsets();
    const pending = publish(slow, `${run}-flushed`, true);
    await slow.flush();
    expect(await within(pending, 1000)).toBeUndefined();
    expect((await endOffsets()) - before).toBeGreaterThanOrEqual(1n);
  });

  it('refuses at once a record over its topic limit, and still sends the ones beside it', async () => {
    const publisher = withLinger(20);
    const before = await endOffsets();
    const beside = publish(publisher, `${run}-beside`, false);
    // The mask replies topic takes 32 MiB: a 40 MB reply is refused before it is sent.
    const reply = publisher.publish(
      'maskReplies',
      {
        requestId: `${run}-big`,
        replyTo: 'ingress-1',
        offset: 0,
        ok: true,
        texts: ['m'.repeat(40_000_000)],
        requestDigest: 'A'.repeat(43),
        signature: { alg: 'HS256', kid: 'k1', value: 'A'.repeat(43) },
      },
      { key: `${run}-big` },
    );
    await expect(reply).rejects.toBeInstanceOf(RecordTooLarge);
    await expect(beside).resolves.toBeUndefined();
    expect((await endOffsets()) - before).toBeGreaterThanOrEqual(1n);
  });

  // The masking worker against the real broker: a result too large to send is an error reply.
  it('answers a result over the replies topic limit with an error, and the batch completes', async () => {
    const sent: Buffer[] = [];
    const recording = {
      ...producer,
      sendBatch: (batch: Parameters<Producer['sendBatch']>[0]) => {
        for (const t of batch.topicMessages ?? [])
          for (const m of t.messages) if (Buffer.isBuffer(m.value)) sent.push(m.value);
        return producer.sendBatch(batch);
      },
    };
    const publisher = new EventPublisher(recording, 'e2e', pino({ level: 'silent' }));
    const worker = new MaskRequestsConsumer(
      {
        MASKING_KEYS: keyringSetting.parse(`k1:${randomBytes(32).toString('base64')}`),
      } as MaskingConfig,
      { publisher } as unknown as KafkaService,
      pino({ level: 'silent' }),
    );
    const requestId = `mask-worker-e2e-${Date.now()}`;
    // Nine texts of 4 M characters (the most a request may carry per text): 36 MB back.
    const big = 'lorem ipsum dolor sit amet '.repeat(148_000);
    const payload: MaskRequest = {
      requestId,
      replyTo: 'ingress-1',
      offset: 0,
      texts: Array.from({ length: 9 }, () => big),
      entities: { EMAIL_ADDRESS: { strategy: 'replace' } },
      deadline: Date.now() + 60_000,
    };
    const message = {
      payload,
      envelope: { id: requestId, type: MASK_EVENT_TYPES.mask, data: payload },
      key: requestId,
      partition: 0,
      offset: '0',
      timestamp: String(Date.now()),
    } as unknown as ConsumedMessage<MaskRequest>;
    await expect(worker.handle([message])).resolves.toBeUndefined();
    expect(sent.map((v) => JSON.parse(v.toString()) as unknown)).toEqual([
      {
        requestId,
        replyTo: 'ingress-1',
        offset: 0,
        ok: false,
        code: 'result_too_large',
        error: 'masked result too large to return',
        requestDigest: maskRequestDigest(MASK_EVENT_TYPES.mask, payload),
        signature: { alg: 'HS256', kid: 'k1', value: expect.stringMatching(/^[\w-]{43}$/) },
      },
    ]);
  });
});
