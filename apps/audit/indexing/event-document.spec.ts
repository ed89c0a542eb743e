import {
  auditEventTypeOf,
  type AuditActionEvent,
  type Envelope,
  eventTypeOf,
  type LifecycleEvent,
} from '@embargo/contracts';
import { digestOf, storedEvent, toAuditActionDocument, toEventDocument } from './event-document';
import { EVENTS_INDEX_MAPPING } from './mappings';

describe('toAuditActionDocument', () => {
  const data: AuditActionEvent = {
    action: 'revealed',
    requestId: 'r-1',
    instance: 'audit-1',
    actor: { credential: 'AUDIT_REVEAL_TOKEN', clientIp: '10.1.2.3', userAgent: 'curl/8.5.0' },
    reason: 'INC-4411: what did the customer send?',
    sealedKid: 's1',
    tokensReversed: 2,
  };
  const envelope: Envelope<AuditActionEvent> = {
    id: 'e1',
    type: auditEventTypeOf('revealed'),
    source: '/embargo/audit',
    time: '2026-11-23T10:00:00.000Z',
    data,
  };

  it('files the reveal in the request trail, searchable by stage, actor and reason', () => {
    const doc = toAuditActionDocument(envelope, new Date('2026-11-23T10:00:01Z'));
    expect(doc).toMatchObject({
      eventId: 'e1',
      type: 'dev.embargo.audit.revealed.v1',
      requestId: 'r-1',
      stage: 'revealed',
      actor: data.actor,
      reason: data.reason,
      indexedAt: '2026-11-23T10:00:01.000Z',
    });
    expect(doc.digest).toMatch(/^[0-9a-f]{64}$/);
    // The strict mapping takes every field of the document.
    for (const field of Object.keys(doc))
      expect(EVENTS_INDEX_MAPPING.properties).toHaveProperty(field);
  });
});

describe('toEventDocument', () => {
  const maskedInput = ['Name: <PERSON>, card ****-****-****-1111'];
  const envelope: Envelope<LifecycleEvent> = {
    id: 'e2',
    type: eventTypeOf('masked'),
    source: '/embargo/ingress',
    time: '2026-11-23T10:00:00.000Z',
    data: {
      requestId: 'r-2',
      stage: 'masked',
      instance: 'ingress-1',
      model: 'text-embedding-3-small',
      counts: { PERSON: 1, CREDIT_CARD: 1 },
      maskedInput,
      original: { alg: 'A256GCM', kid: 's1', iv: 'aXY', ciphertext: 'Y3Q', tag: 'dGFn' },
    },
  };

  it('stores a masked event’s input and sealed original once, and can still prove its digest', () => {
    const doc = toEventDocument(envelope, new Date('2026-11-23T10:00:01Z'));
    // Searchable at the top level; the `data` copy holds neither (it can be megabytes).
    expect(doc.maskedInput).toEqual(maskedInput);
    expect(JSON.stringify(doc.data)).not.toContain('card');
    expect(doc.data).toMatchObject({ original: { alg: 'A256GCM', kid: 's1' } });
    expect(JSON.stringify(doc.data)).not.toContain('Y3Q');
    // The document, read back as OpenSearch returns it, still gives the event's digest.
    const readBack = JSON.parse(JSON.stringify(doc)) as Record<string, unknown>;
    expect(digestOf(storedEvent(readBack))).toBe(doc.digest);
    expect(digestOf(envelope)).toBe(doc.digest);
    const changed = { ...readBack, maskedInput: ['Name: <PERSON>'] };
    expect(digestOf(storedEvent(changed))).not.toBe(doc.digest);
  });
});
