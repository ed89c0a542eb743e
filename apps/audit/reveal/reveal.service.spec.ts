import { keyringSetting } from '@embargo/config';
import { type AuditActionEvent, EmbargoError, eventTypeOf, TOPICS } from '@embargo/contracts';
import { seal } from '@embargo/crypto';
import type { KafkaService } from '@embargo/kafka';
import { mask } from '@embargo/masking';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import type { AuditConfig } from '../config';
import { toEventDocument } from '../indexing/event-document';
import type { OpenSearchService } from '../indexing/opensearch.service';
import { RevealService } from './reveal.service';

const key = () => randomBytes(32).toString('base64');
const sealingKeys = keyringSetting.parse(`s2:${key()},s1:${key()}`);
const maskingKeys = keyringSetting.parse(`m1:${key()}`);
const config = { SEALING_KEYS: sealingKeys, MASKING_KEYS: maskingKeys } as AuditConfig;

const REQUEST_ID = '9b1f3c2e-0d4a-4c1b-9f59-6f0e8d1c2a77';
const original = [
  'Name: José García, mail jose.garcia@example.org',
  '2026-11-23T10:00:00Z login password: Pässwörd€42 from 10.0.0.7',
];
const masked = original.map(
  (t) =>
    mask(t, {
      entities: {
        PERSON: { strategy: 'tokenize' },
        PASSWORD: { strategy: 'tokenize' },
        EMAIL_ADDRESS: { strategy: 'replace' },
      },
      keyring: maskingKeys,
    }).text,
);

/** The audit index as the service searches it: documents by request id and stage. */
function fakeIndex(docs: Record<string, unknown>[]) {
  const searches: unknown[] = [];
  const os = {
    searchEvents: (body: { query: { bool: { filter: { term: Record<string, string> }[] } } }) => {
      searches.push(body);
      const terms = body.query.bool.filter.map((f) => f.term);
      const hits = docs
        .filter((d) => terms.every((t) => Object.entries(t).every(([k, v]) => d[k] === v)))
        .map((d) => ({ _source: d }));
      return Promise.resolve({ body: { hits: { hits } } });
    },
  };
  return { os: os as unknown as OpenSearchService, searches };
}

function fakeKafka(outcome: 'ok' | 'fail' | 'hold' = 'ok') {
  const published: { topic: string; event: AuditActionEvent; opts: Record<string, unknown> }[] = [];
  let release: () => void = () => undefined;
  const kafka = {
    publisher: {
      publish: (topic: string, event: AuditActionEvent, opts: Record<string, unknown>) => {
        published.push({ topic, event, opts });
        if (outcome === 'fail')
          return Promise.reject(new Error('Kafka did not acknowledge within 5000 ms'));
        if (outcome === 'hold') return new Promise<void>((r) => (release = r));
        return Promise.resolve();
      },
    },
  };
  return { kafka: kafka as unknown as KafkaService, published, release: () => release() };
}

/** A masked event's document, as the indexer writes it. */
const maskedDoc = (
  sealed = seal(JSON.stringify(original), sealingKeys, REQUEST_ID),
  maskedInput = masked,
): Record<string, unknown> =>
  toEventDocument(
    {
      id: 'ev-masked-1',
      type: eventTypeOf('masked'),
      source: '/embargo/ingress',
      time: '2026-11-23T10:00:00.000Z',
      data: {
        requestId: REQUEST_ID,
        stage: 'masked',
        instance: 'ingress-1',
        principal: {
          id: 'svc-indexer',
          issuer: 'https://idp.example',
          subject: 'indexer',
          roles: ['indexer'],
          groups: [],
        },
        model: 'text-embedding-3-small',
        counts: { PERSON: 1 },
        maskedInput,
        original: sealed,
      },
    },
    new Date('2026-11-23T10:00:01Z'),
  );

function service(docs: Record<string, unknown>[], kafkaOutcome?: 'ok' | 'fail' | 'hold') {
  const { os, searches } = fakeIndex(docs);
  const k = fakeKafka(kafkaOutcome);
  const svc = new RevealService(
    os,
    k.kafka,
    config,
    { name: 'audit', instance: 'audit-1' },
    pino({ enabled: false }),
  );
  return { svc, searches, ...k };
}

const ask = { requestId: REQUEST_ID, reason: 'Incident INC-4411: customer asked what was sent' };
const actor = { clientIp: '10.1.2.3', userAgent: 'embargo-cli' };

async function errorOf(p: Promise<unknown>): Promise<EmbargoError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof EmbargoError) return e;
    throw e;
  }
  throw new Error('expected an EmbargoError');
}

describe('RevealService', () => {
  it('returns the exact original and the masked input with its tokens reversed', async () => {
    expect(masked[0]).not.toContain('García');
    expect(masked[1]).not.toContain('Pässwörd');
    const { svc } = service([{ requestId: REQUEST_ID, stage: 'received' }, maskedDoc()]);
    const r = await svc.reveal(ask, actor);
    expect(r.original).toEqual(original);
    expect(r.maskedInput).toEqual(masked);
    expect(r.detokenizedInput).toEqual([
      'Name: José García, mail <EMAIL_ADDRESS>',
      '2026-11-23T10:00:00Z login password: Pässwörd€42 from 10.0.0.7',
    ]);
  });

  it('records who revealed which request and why, with acks, before it answers', async () => {
    const { svc, published, release } = service([maskedDoc()], 'hold');
    let answered = false;
    const answer = svc.reveal(ask, actor).then((r) => {
      answered = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(published).toHaveLength(1);
    expect(answered).toBe(false);
    release();
    const r = await answer;
    const [{ topic, event, opts }] = published;
    expect(topic).toBe('auditActions');
    expect(opts).toMatchObject({
      key: REQUEST_ID,
      type: 'dev.embargo.audit.revealed.v1',
      id: r.revealEventId,
    });
    expect(event).toEqual({
      action: 'revealed',
      requestId: REQUEST_ID,
      instance: 'audit-1',
      actor: { credential: 'AUDIT_REVEAL_TOKEN', clientIp: '10.1.2.3', userAgent: 'embargo-cli' },
      reason: ask.reason,
      sealedKid: 's2',
      tokensReversed: 2,
    });
    expect(TOPICS.auditActions.schema.safeParse(event).success).toBe(true);
    const written = JSON.stringify(event);
    for (const secret of ['García', 'Pässwörd', 'jose.garcia', ...masked])
      expect(written).not.toContain(secret);
  });

  it('reveals nothing when the audit trail cannot record the reveal', async () => {
    const { svc } = service([maskedDoc()], 'fail');
    const err = await errorOf(svc.reveal(ask, actor));
    expect(err.code).toBe('audit_unavailable');
    expect(err.status).toBe(503);
    expect(err.message).toMatch(/nothing was revealed/);
    expect(err.message).not.toContain('García');
  });

  it('answers 404 for an unknown request and for one that was never masked, recording nothing', async () => {
    const unknown = service([maskedDoc()]);
    const missing = await errorOf(unknown.svc.reveal({ ...ask, requestId: 'no-such-id' }, actor));
    expect(missing).toMatchObject({ code: 'not_found', details: { param: 'requestId' } });
    expect(missing.message).toBe('No request no-such-id in the audit trail');
    const plain = service([
      { requestId: 'r-plain', stage: 'received' },
      { requestId: 'r-plain', stage: 'completed' },
    ]);
    const notMasked = await errorOf(plain.svc.reveal({ ...ask, requestId: 'r-plain' }, actor));
    expect(notMasked.code).toBe('not_found');
    expect(notMasked.message).toMatch(/was not masked/);
    expect([...unknown.published, ...plain.published]).toEqual([]);
  });

  it('opens originals sealed with an older key, and names a key it does not hold', async () => {
    const older = keyringSetting.parse(`s1:${sealingKeys.keys.s1.toString('base64')}`);
    const { svc } = service([maskedDoc(seal(JSON.stringify(original), older, REQUEST_ID))]);
    expect((await svc.reveal(ask, actor)).original).toEqual(original);

    const foreign = keyringSetting.parse(`s9:${key()}`);
    const gone = service([maskedDoc(seal(JSON.stringify(original), foreign, REQUEST_ID))]);
    const err = await errorOf(gone.svc.reveal(ask, actor));
    expect(err.code).toBe('internal_error');
    expect(err.message).toMatch(/sealed with key "s9", which SEALING_KEYS does not hold/);
    expect(gone.published).toEqual([]);
  });

  it('refuses a sealed original moved to another request or altered, recording nothing', async () => {
    // Sealed for another request: the request id is the box's additional data.
    const moved = service([maskedDoc(seal(JSON.stringify(original), sealingKeys, 'other'))]);
    const err = await errorOf(moved.svc.reveal(ask, actor));
    expect(err.code).toBe('internal_error');
    expect(err.message).toMatch(/does not verify under key "s2"/);
    const box = seal(JSON.stringify(original), sealingKeys, REQUEST_ID);
    const flipped = Buffer.from(box.ciphertext, 'base64');
    flipped[0] ^= 1;
    const altered = service([maskedDoc({ ...box, ciphertext: flipped.toString('base64') })]);
    expect((await errorOf(altered.svc.reveal(ask, actor))).code).toBe('internal_error');
    expect([...moved.published, ...altered.published]).toEqual([]);
  });

  it('refuses a document changed in the index since it was written, recording nothing', async () => {
    // Another request's sealed original put in its place, or its masked input rewritten so
    // that other tokens are reversed: the document no longer matches its digest.
    const otherBox = seal(JSON.stringify(['something else']), sealingKeys, REQUEST_ID);
    const tampered = [
      { ...maskedDoc(), original: otherBox },
      { ...maskedDoc(), maskedInput: [masked[1], masked[0]] },
    ];
    for (const doc of tampered) {
      const { svc, published } = service([doc]);
      const err = await errorOf(svc.reveal(ask, actor));
      expect(err.code).toBe('internal_error');
      expect(err.message).toMatch(/does not match its digest: it was changed after it was indexed/);
      expect(published).toEqual([]);
    }
  });

  it('leaves out the detokenized input when the masked input holds no tokens', async () => {
    const text = 'card 4111 1111 1111 1111';
    const { svc, published } = service([
      maskedDoc(seal(JSON.stringify([text]), sealingKeys, REQUEST_ID), [
        'card ****-****-****-1111',
      ]),
    ]);
    const r = await svc.reveal(ask, actor);
    expect(r.original).toEqual([text]);
    expect(r).not.toHaveProperty('detokenizedInput');
    expect(published[0].event.tokensReversed).toBe(0);
  });

  it('is off without key rings, whatever token let the caller in', async () => {
    const { os } = fakeIndex([maskedDoc()]);
    const svc = new RevealService(
      os,
      fakeKafka().kafka,
      {} as AuditConfig,
      { name: 'audit', instance: 'audit-1' },
      pino({ enabled: false }),
    );
    expect((await errorOf(svc.reveal(ask, actor))).code).toBe('not_found');
  });
});
