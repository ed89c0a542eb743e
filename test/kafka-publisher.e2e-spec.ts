import { TOPICS } from '@embargo/contracts';
import { EventPublisher } from '@embargo/kafka';
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
});
