import { auditEventTypeOf, type AuditActionEvent, type Envelope } from '@embargo/contracts';
import { toAuditActionDocument } from './event-document';
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
