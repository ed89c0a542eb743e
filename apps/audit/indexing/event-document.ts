import type { AuditActionEvent, Envelope, LifecycleEvent } from '@embargo/contracts';
import { canonicalJson } from '@embargo/crypto';
import { createHash } from 'node:crypto';

/** The OpenSearch document for one lifecycle event; `eventId` is also its `_id`. */
export function toEventDocument(envelope: Envelope<LifecycleEvent>, indexedAt: Date) {
  const e = envelope.data;
  const digest = digestOf(envelope);
  const doc: Record<string, unknown> = {
    ...envelopeFields(envelope, e.requestId, indexedAt),
    stage: e.stage,
    instance: e.instance,
    model: e.model,
    principal: e.principal,
    data: e,
    digest,
  };
  switch (e.stage) {
    case 'decided':
      Object.assign(doc, {
        effect: e.effect,
        ruleIds: e.ruleIds,
        bundleVersion: e.bundleVersion,
        findings: e.findings,
      });
      break;
    case 'masked': {
      Object.assign(doc, { counts: e.counts, maskedInput: e.maskedInput, original: e.original });
      // Each is stored once, at the top level: the sealed original must not sit in the
      // searchable `data` copy, and the masked input can be megabytes. `storedEvent` puts
      // the event back together for its digest.
      const { maskedInput: _input, original, ...rest } = e;
      doc.data = { ...rest, original: { alg: original.alg, kid: original.kid } };
      break;
    }
    case 'rejected':
    case 'failed':
      Object.assign(doc, {
        status: e.status,
        code: e.code,
        message: e.message,
        clientIp: e.clientIp,
        heldBack: e.heldBack,
      });
      break;
    case 'forwarded':
      Object.assign(doc, { connection: e.connection });
      break;
    case 'completed':
      Object.assign(doc, { connection: e.connection, fingerprints: e.fingerprints });
      break;
    case 'authenticated':
      Object.assign(doc, { tokenId: e.tokenId });
      break;
    case 'exchanged':
      // The token itself is never in the event: its id is what links its requests to this.
      Object.assign(doc, { tokenId: e.tokenId, subjectTokenId: e.subjectTokenId });
      break;
    case 'received':
    case 'held':
    case 'approved':
    case 'denied':
    case 'expired':
      break;
    default: {
      const never: never = e;
      return never;
    }
  }
  return doc;
}

/**
 * The OpenSearch document for an auditor's action, in the same index as the request's own
 * events so the request's trail shows who revealed it and why. `stage` holds the action.
 */
export function toAuditActionDocument(envelope: Envelope<AuditActionEvent>, indexedAt: Date) {
  const e = envelope.data;
  return {
    ...envelopeFields(envelope, e.requestId, indexedAt),
    stage: e.action,
    instance: e.instance,
    actor: e.actor,
    reason: e.reason,
    data: e,
    digest: digestOf(envelope),
  };
}

/** What every document in the events index says of its event. */
function envelopeFields(envelope: Envelope<unknown>, requestId: string, indexedAt: Date) {
  return {
    eventId: envelope.id,
    type: envelope.type,
    source: envelope.source,
    time: envelope.time,
    indexedAt: indexedAt.toISOString(),
    requestId,
  };
}

/**
 * The event a stored document was made from, as its digest covers it: `data`, with a
 * masked event's input and sealed original put back from the top-level fields.
 */
export function storedEvent(doc: Record<string, unknown>): Envelope<unknown> {
  const data = doc.data as Record<string, unknown>;
  const event =
    data.stage === 'masked'
      ? { ...data, maskedInput: doc.maskedInput, original: doc.original }
      : data;
  return {
    id: doc.eventId as string,
    type: doc.type as string,
    source: doc.source as string,
    time: doc.time as string,
    data: event,
  };
}

/** SHA-256 of the canonical event, for tamper evidence. */
export function digestOf(envelope: Envelope<unknown>): string {
  return createHash('sha256')
    .update(
      canonicalJson({
        id: envelope.id,
        type: envelope.type,
        source: envelope.source,
        time: envelope.time,
        data: envelope.data,
      }),
    )
    .digest('hex');
}
