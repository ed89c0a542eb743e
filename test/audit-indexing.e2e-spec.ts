import {
  eventTypeOf,
  fromKafkaMessage,
  toKafkaMessage,
  type DeadLetter,
  type Envelope,
  type LifecycleEvent,
} from '@embargo/contracts';
import type { ConsumedMessage } from '@embargo/kafka';
import { Readiness } from '@embargo/observability';
import { LOCAL_INFRA } from '@embargo/testing';
import { randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';
import type { AuditConfig } from '../apps/audit/config';
import { DeadLettersConsumer } from '../apps/audit/indexing/dead-letters.consumer';
import { digestOf } from '../apps/audit/indexing/event-document';
import { OpenSearchService } from '../apps/audit/indexing/opensearch.service';
import { RequestEventsConsumer } from '../apps/audit/indexing/request-events.consumer';

/**
 * The request-events indexer against the real OpenSearch: an event id names one event for
 * good. A redelivery of the same event changes nothing; another event under an id already
 * in the trail (someone able to write the topic rewriting history) is refused, and the
 * event first indexed under it stays as it was.
 */
/** What the consumer host passes a handler; one bulk request per batch here. */
const context = { heartbeat: () => Promise.resolve() };

describe('audit indexing: an event id already in the trail', () => {
  const index = `embargo-indexing-test-${randomUUID()}`;
  const os = new OpenSearchService(
    { OPENSEARCH_URL: LOCAL_INFRA.OPENSEARCH_URL, AUDIT_INDEX: index } as AuditConfig,
    new Readiness(),
    pino({ enabled: false }),
  );
  const consumer = new RequestEventsConsumer(os, pino({ enabled: false }));
  let offset = 0;
  const message = (envelope: Envelope<LifecycleEvent>): ConsumedMessage<LifecycleEvent> => ({
    payload: envelope.data,
    envelope,
    key: envelope.data.requestId,
    partition: 0,
    offset: String(offset++),
    timestamp: String(Date.now()),
  });
  const decided = (id: string, effect: 'deny' | 'allow'): Envelope<LifecycleEvent> => ({
    id,
    type: eventTypeOf('decided'),
    source: '/embargo/ingress',
    time: '2026-01-02T03:04:05.678Z',
    data: {
      requestId: 'req-1',
      instance: 'ingress-1',
      stage: 'decided',
      effect,
      ruleIds: effect === 'deny' ? ['no-secrets'] : [],
      bundleVersion: 3,
      bundleHash: 'sha256:abc',
      findings: {},
      inputCount: 1,
      tokenCount: 4,
    },
  });
  const stored = async (id: string) =>
    (await os.client.get({ index, id })).body._source as Record<string, unknown>;

  beforeAll(() => os.onModuleInit());
  afterAll(async () => {
    await os.client.indices.delete({ index: `${index}*` }, { ignore: [404] });
  });

  it('takes a redelivered event as it is, and refuses another one under the same id', async () => {
    const id = randomUUID().replace(/-/g, '');
    const genuine = decided(id, 'deny');
    expect(await consumer.handle([message(genuine)], context)).toEqual({ rejected: [] });
    const first = await stored(id);
    expect(first).toMatchObject({ effect: 'deny', digest: digestOf(genuine) });

    // At-least-once: the same record again is no refusal, and changes nothing.
    expect(await consumer.handle([message(genuine)], context)).toEqual({ rejected: [] });
    expect(await stored(id)).toEqual(first);

    // The same id, other content: refused (dead-lettered), the trail keeps the first.
    const forged = message(decided(id, 'allow'));
    const other = message(decided(randomUUID().replace(/-/g, ''), 'allow'));
    const result = await consumer.handle([forged, message(genuine), other], context);
    expect(result.rejected).toEqual([
      {
        offset: forged.offset,
        reason: expect.stringMatching(/already in the audit trail with other content/) as string,
      },
    ]);
    expect(await stored(id)).toEqual(first);
    expect(await stored(other.envelope.id)).toMatchObject({ effect: 'allow' });
  });

  it('takes a redelivery whose time differs (no ce_time, or published again) as a redelivery', async () => {
    const id = randomUUID().replace(/-/g, '');
    // A record without ce_time is given the time it is read at: each delivery differs.
    const raw = toKafkaMessage(decided(id, 'deny'), 'req-1');
    delete raw.headers.ce_time;
    const read = () =>
      fromKafkaMessage({ ...raw, key: Buffer.from(raw.key) }) as Envelope<LifecycleEvent>;
    expect(await consumer.handle([message(read())], context)).toEqual({ rejected: [] });
    const first = await stored(id);
    await new Promise((r) => setTimeout(r, 5));
    expect(await consumer.handle([message(read())], context)).toEqual({ rejected: [] });
    // A producer publishing the same event again (deterministic id) stamps a new time.
    const again = { ...decided(id, 'deny'), time: new Date().toISOString() };
    expect(await consumer.handle([message(again)], context)).toEqual({ rejected: [] });
    expect(await stored(id)).toEqual(first);
    // Other content under the id is still refused, whatever its time.
    const forged = { ...decided(id, 'allow'), time: first.time as string };
    const result = await consumer.handle([message(forged)], context);
    expect(result.rejected).toHaveLength(1);
  });

  it('takes a redelivered dead letter without an error', async () => {
    const logged: unknown[] = [];
    const logger = { error: (obj: unknown) => logged.push(obj) } as unknown as Logger;
    const payload: DeadLetter = {
      sourceTopic: 'embargo.request-events.v1',
      partition: 0,
      offset: '7',
      consumerGroup: 'audit-indexer',
      reason: 'schema: not a lifecycle event',
      valueBase64: '',
      truncated: false,
      receivedAt: new Date().toISOString(),
    };
    const id = randomUUID().replace(/-/g, '');
    const letter = {
      payload,
      envelope: {
        id,
        type: 'dev.embargo.dead-letter.v1',
        source: 'e2e',
        time: payload.receivedAt,
        data: payload,
      },
      key: id,
      partition: 0,
      offset: '7',
      timestamp: String(Date.now()),
    };
    const letters = new DeadLettersConsumer(os, logger);
    await letters.handle([letter], context);
    await letters.handle([letter], context);
    expect(logged).toEqual([]);
    const found = await os.client.get({ index: os.deadLettersIndex, id });
    expect(found.body.found).toBe(true);
  });
});
