import { fromKafkaMessage, TOPICS, toKafkaMessage, type DeadLetter } from '@embargo/contracts';
import type { ConsumedMessage } from '@embargo/kafka';
import { Readiness } from '@embargo/observability';
import { eventually, LOCAL_INFRA, startApp } from '@embargo/testing';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { auditEvents, startStack, type Stack } from '@embargo/testing';
import pino, { type Logger } from 'pino';
import type { AuditConfig } from '../apps/audit/config';
import { DeadLettersConsumer } from '../apps/audit/indexing/dead-letters.consumer';
import { EVENTS_INDEX_MAPPING } from '../apps/audit/indexing/mappings';
import { OpenSearchService } from '../apps/audit/indexing/opensearch.service';

/**
 * The spine of the system on the real servers: an event produced by the ingress crosses
 * Kafka, the audit app indexes it into OpenSearch, and the audit API finds it. A
 * malformed record goes to the dead-letter topic without stopping the consumer.
 */
describe('spine: ingress → Kafka → audit → OpenSearch', () => {
  let stack: Stack;
  const kafka = new Kafka({
    clientId: 'spine-test',
    brokers: LOCAL_INFRA.KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });

  beforeAll(async () => {
    stack = await startStack();
    await producer.connect();
  }, 180_000);

  afterAll(async () => {
    await producer.disconnect();
    await stack?.stop();
  });

  it('indexes the event of a refused request, which the audit API then finds', async () => {
    const clientId = `spine-${randomUUID()}`;
    const res = await fetch(`${stack.apps.ingress.url}/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-client-request-id': clientId },
      body: JSON.stringify({ model: 'stand-in-embedding', input: 'hello' }),
    });
    expect(res.status).toBe(401);
    const requestId = res.headers.get('x-request-id') ?? '';
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const events = await eventually(
      async () => {
        const found = await auditEvents(stack, requestId);
        return found.length ? found : undefined;
      },
      30_000,
      'the rejected event in OpenSearch',
    );
    expect(events[0]).toMatchObject({
      requestId,
      stage: 'rejected',
      code: 'unauthenticated',
      status: 401,
      source: '/embargo/ingress',
    });
    expect(events[0].eventId).toMatch(/^[0-9a-f]{32}$/);
    expect((events[0].data as { clientRequestId?: string }).clientRequestId).toBe(clientId);
  });

  it('dead-letters malformed records with the reason and keeps consuming', async () => {
    const key = `dlq-${randomUUID()}`;
    const dlqConsumer = kafka.consumer({ groupId: `spine-dlq-${key}` });
    await dlqConsumer.connect();
    await dlqConsumer.subscribe({ topic: TOPICS.deadLetters.name, fromBeginning: false });
    const reasons: string[] = [];
    await dlqConsumer.run({
      eachMessage: async ({ message }) => {
        const env = fromKafkaMessage(message);
        const data = env.data as { sourceTopic: string; reason: string; consumerGroup: string };
        if (
          message.key?.toString() === key &&
          data.consumerGroup === `${stack.runId}.audit-indexer`
        )
          reasons.push(data.reason);
      },
    });
    await eventually(
      async () => ((await dlqConsumer.describeGroup()).state === 'Stable' ? true : undefined),
      30_000,
      'dlq consumer to join',
    );

    const valid = toKafkaMessage(
      {
        id: randomUUID().replace(/-/g, ''),
        type: 'dev.embargo.request.rejected.v1',
        source: '/embargo/spine-test',
        time: new Date().toISOString(),
        data: {
          requestId: key,
          instance: 'spine-test',
          stage: 'rejected',
          status: 400,
          code: 'invalid_request',
          message: 'after the bad ones',
        },
      },
      key,
    );
    await producer.send({
      topic: TOPICS.requestEvents.name,
      acks: -1,
      messages: [
        { key, value: Buffer.from('this is not json'), headers: { ...valid.headers } },
        {
          key,
          value: Buffer.from(JSON.stringify({ stage: 'exploded' })),
          headers: { ...valid.headers, ce_id: 'x2' },
        },
        { key, value: Buffer.from('{}') },
        valid,
      ],
    });

    await eventually(
      async () => (reasons.length >= 3 ? true : undefined),
      30_000,
      'three dead letters',
    );
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/not valid JSON/),
        expect.stringMatching(/^schema: /),
        expect.stringMatching(/missing CloudEvents header/),
      ]),
    );
    // The consumer went on: the valid record behind the bad ones is indexed.
    const events = await eventually(
      async () => {
        const found = await auditEvents(stack, key);
        return found.length ? found : undefined;
      },
      30_000,
      'the valid record after the bad ones',
    );
    expect(events[0]).toMatchObject({ stage: 'rejected', message: 'after the bad ones' });
    await dlqConsumer.disconnect();
  });

  it('stops an app at start-up with one line naming a bad setting', async () => {
    const app = await startApp('audit', { AUDIT_API_TOKEN: 'too-short' }, { ready: 'none' });
    const code = await new Promise<number | null>((resolve) => app.process.once('exit', resolve));
    expect(code).toBe(78);
    expect(app.output().trim()).toBe(
      'Invalid setting AUDIT_API_TOKEN: is invalid (must be at least 24 characters)',
    );
  });

  it('does not re-read a topic it has consumed while idle', async () => {
    // A consumer that never moves its fetch position re-handles the same records forever.
    const consumed = async () => {
      const text = await (await fetch(`${stack.apps.ingress.url}/metrics`)).text();
      const line = text
        .split('\n')
        .find(
          (l) =>
            l.startsWith('embargo_kafka_messages_consumed_total') &&
            l.includes('embargo.policy-bundles.v1') &&
            l.includes('outcome="ok"'),
        );
      return Number(line?.split(' ').pop() ?? 0);
    };
    const before = await consumed();
    await new Promise((r) => setTimeout(r, 2000));
    expect(await consumed()).toBe(before);
  });

  it('answers health, readiness and Prometheus metrics on every app', async () => {
    for (const app of Object.values(stack.apps)) {
      expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
      const ready = await fetch(`${app.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as { checks: Record<string, string> }).checks.kafka).toBe('ok');
      const metrics = await (await fetch(`${app.url}/metrics`)).text();
      expect(metrics).toContain(`app="${app.name}"`);
      expect(metrics).toContain('process_cpu_user_seconds_total');
    }
  });
});

/** The audit service's OpenSearch access on the real OpenSearch, for an index of a test's own. */
function openSearchFor(index: string): OpenSearchService {
  return new OpenSearchService(
    { OPENSEARCH_URL: LOCAL_INFRA.OPENSEARCH_URL, AUDIT_INDEX: index } as AuditConfig,
    new Readiness(),
    pino({ enabled: false }),
  );
}

/**
 * The dead-letter indexer against the real OpenSearch, with an index whose mapping refuses
 * one of two letters (as an index changed by hand would): the refused one is logged and
 * skipped, not retried forever, so the partition keeps moving.
 */
describe('audit: dead letters OpenSearch refuses', () => {
  const index = `embargo-dlq-test-${randomUUID()}`;
  const os = openSearchFor(index);
  const letter = (consumerGroup: string): ConsumedMessage<DeadLetter> => {
    const id = randomUUID().replace(/-/g, '');
    const payload: DeadLetter = {
      sourceTopic: 'embargo.request-events.v1',
      partition: 0,
      offset: '7',
      consumerGroup,
      reason: 'schema: not a lifecycle event',
      valueBase64: '',
      truncated: false,
      receivedAt: new Date().toISOString(),
    };
    return {
      payload,
      envelope: { id, time: new Date().toISOString(), data: payload } as never,
      key: id,
      partition: 0,
      offset: '7',
      timestamp: String(Date.now()),
    };
  };

  afterAll(async () => {
    await os.client.indices.delete({ index: os.deadLettersIndex }, { ignore: [404] });
  });

  it('indexes what it can and skips, with a log line, what OpenSearch refuses for good', async () => {
    // consumerGroup as a number: "42" indexes, "audit" is refused with a 400.
    await os.client.indices.create({
      index: os.deadLettersIndex,
      body: { mappings: { properties: { consumerGroup: { type: 'integer' } } } },
    });
    const logged: unknown[] = [];
    const logger = { error: (obj: unknown) => logged.push(obj) } as unknown as Logger;
    const good = letter('42');
    const refused = letter('audit');
    await expect(
      new DeadLettersConsumer(os, logger).handle([refused, good], {
        heartbeat: () => Promise.resolve(),
      }),
    ).resolves.toBeUndefined();
    await os.client.indices.refresh({ index: os.deadLettersIndex });
    const found = await os.client.get(
      { index: os.deadLettersIndex, id: good.envelope.id },
      { ignore: [404] },
    );
    expect(found.body.found).toBe(true);
    expect(logged).toEqual([expect.objectContaining({ eventId: refused.envelope.id })]);
  });
});

/**
 * One event's findings must not decide the mapping every later event is held to: a key that
 * is no entity type is refused, and genuine events keep being indexed.
 */
describe('audit: findings and counts per entity type', () => {
  const index = `embargo-findings-test-${randomUUID()}`;

  afterAll(async () => {
    await openSearchFor(index).client.indices.delete({ index: `${index}*` }, { ignore: [404] });
  });

  it('refuses a finding under another key, and indexes the genuine events after it', async () => {
    const os = openSearchFor(index);
    await os.onModuleInit();
    const refused = await os.bulkIndex(index, [
      { id: 'bad', doc: { eventId: 'bad', findings: { 'EMAIL_ADDRESS.x': 1 } } },
      { id: 'odd', doc: { eventId: 'odd', counts: { NOT_A_TYPE: 1 } } },
      {
        id: 'good',
        doc: { eventId: 'good', findings: { EMAIL_ADDRESS: 3 }, counts: { PERSON: 1 } },
      },
    ]);
    expect(refused.map((r) => r.position)).toEqual([0, 1]);
    await os.client.indices.refresh({ index });
    const found = await os.client.search({
      index,
      body: { query: { range: { 'findings.EMAIL_ADDRESS': { gte: 3 } } } },
    });
    expect(found.body.hits.hits.map((h) => h._id)).toEqual(['good']);
  });

  it("takes over an earlier release's index whose findings were mapped as they came", async () => {
    const earlier = `${index}-earlier`;
    const os = openSearchFor(earlier);
    await os.client.indices.create({
      index: earlier,
      body: {
        mappings: {
          dynamic: 'strict',
          properties: {
            ...EVENTS_INDEX_MAPPING.properties,
            findings: { type: 'object', dynamic: true },
            counts: { type: 'object', dynamic: true },
          },
        },
      },
    });
    expect(
      await os.bulkIndex(earlier, [{ id: 'old', doc: { eventId: 'old', findings: { URL: 2 } } }]),
    ).toEqual([]);
    await os.onModuleInit();
    const refused = await os.bulkIndex(earlier, [
      { id: 'bad', doc: { eventId: 'bad', findings: { X: 1 } } },
      { id: 'new', doc: { eventId: 'new', findings: { URL: 1, EMAIL_ADDRESS: 1 } } },
    ]);
    expect(refused.map((r) => r.position)).toEqual([0]);
  });
});

/**
 * OpenSearch refuses a whole bulk request for one `_id` over 512 bytes: the others must be
 * indexed and only that one refused, or the partition would be retried for ever. A refusal
 * about the index itself (closed) is retried instead, refusing no event.
 */
describe('audit: a bulk request OpenSearch refuses whole', () => {
  const index = `embargo-bulk-test-${randomUUID()}`;
  const os = openSearchFor(index);

  beforeAll(() => os.onModuleInit());
  afterAll(async () => {
    await os.client.indices.delete({ index }, { ignore: [404] });
  });

  it('indexes the others and refuses only the document that made it invalid', async () => {
    const ids = ['a', 'b', 'x'.repeat(600), 'c', 'd'];
    const refused = await os.bulkIndex(
      index,
      ids.map((id) => ({ id, doc: { eventId: id.slice(0, 8) } })),
    );
    expect(refused).toEqual([
      {
        position: 2,
        type: 'action_request_validation_exception',
        reason: expect.stringMatching(/^Validation Failed: 1: id \[x+/) as string,
      },
    ]);
    await os.client.indices.refresh({ index });
    const found = await os.client.search({ index, body: { query: { match_all: {} } } });
    expect(found.body.hits.hits.map((h) => h._id).sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('retries, refusing nothing, when the refusal is about the index', async () => {
    await os.client.indices.close({ index });
    try {
      await expect(os.bulkIndex(index, [{ id: 'e', doc: { eventId: 'e' } }])).rejects.toThrow();
    } finally {
      await os.client.indices.open({ index });
    }
  });
});

/**
 * An events index written by an earlier release lacks the fields added since; the audit
 * service adds them when it starts, or every event carrying one would be refused by the
 * strict mapping.
 */
describe('audit: an index from an earlier release', () => {
  const index = `embargo-upgrade-test-${randomUUID()}`;
  const os = openSearchFor(index);

  afterAll(async () => {
    await os.client.indices.delete({ index: `${index}*` }, { ignore: [404] });
  });

  it('gains the fields added since, and takes events that carry them', async () => {
    const {
      tokenId: _tokenId,
      subjectTokenId: _subject,
      ...older
    } = EVENTS_INDEX_MAPPING.properties;
    await os.client.indices.create({
      index,
      body: { mappings: { dynamic: 'strict', properties: older } },
    });
    await os.onModuleInit();
    const refused = await os.bulkIndex(index, [
      { id: 'e1', doc: { eventId: 'e1', stage: 'exchanged', tokenId: 'jti-1' } },
    ]);
    expect(refused).toEqual([]);
    const mapping = await os.client.indices.getMapping({ index });
    expect(mapping.body[index].mappings.properties).toHaveProperty('tokenId');
  });

  it('splits a large batch into bulk requests under the size limit, and indexes all of it', async () => {
    const docs = Array.from({ length: 40 }, (_, i) => ({
      id: `big-${i}`,
      doc: { eventId: `big-${i}`, stage: 'received', message: 'x'.repeat(900) },
    }));
    const sent: number[] = [];
    const beats: number[] = [];
    const bulk = os.client.bulk.bind(os.client);
    os.client.bulk = ((params: { body: string }) => {
      sent.push(Buffer.byteLength(params.body));
      return bulk(params as never);
    }) as unknown as typeof os.client.bulk;
    try {
      // 4 KB bulk requests: about four documents each. The group hears from the indexer
      // between them, so a large batch cannot outlast the consumer's session.
      expect(
        await os.bulkIndex(index, docs, {
          maxBulkBytes: 4096,
          between: () => {
            beats.push(sent.length);
            return Promise.resolve();
          },
        }),
      ).toEqual([]);
    } finally {
      os.client.bulk = bulk;
    }
    expect(sent.length).toBeGreaterThanOrEqual(10);
    expect(beats).toEqual(Array.from({ length: sent.length - 1 }, (_, k) => k + 1));
    expect(Math.max(...sent)).toBeLessThanOrEqual(4096);
    await os.client.indices.refresh({ index });
    const count = await os.client.count({
      index,
      body: { query: { prefix: { eventId: 'big-' } } },
    });
    expect(count.body.count).toBe(40);
  });
});
