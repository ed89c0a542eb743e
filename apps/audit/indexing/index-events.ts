import type { Envelope } from '@embargo/contracts';
import type { ConsumedMessage, HandlerContext, HandlerResult } from '@embargo/kafka';
import type { Logger } from 'pino';
import { digestOf } from './event-document';
import { ALREADY_INDEXED, type OpenSearchService } from './opensearch.service';

/**
 * Indexes a batch into the events index with each event id as `_id`, so a redelivered batch
 * finds its documents there (effectively-once) instead of duplicating them. An id already
 * indexed keeps its document: a record under it with the same event (id, type, source, data;
 * its time may differ) is a redelivery, one with another (history rewritten by someone able
 * to write the topic) is refused.
 * Documents refused for good are the handler's rejects, which go to the dead-letter topic.
 * A large batch goes out in several bulk requests, with a heartbeat between them.
 */
export async function indexEvents<T>(
  os: OpenSearchService,
  logger: Logger,
  messages: readonly ConsumedMessage<T>[],
  toDocument: (envelope: Envelope<T>, indexedAt: Date) => Record<string, unknown>,
  context: HandlerContext,
): Promise<HandlerResult> {
  const now = new Date();
  const docs = messages.map((m) => ({ id: m.envelope.id, doc: toDocument(m.envelope, now) }));
  const refused = await os.bulkIndex(os.eventsIndex, docs, { between: context.heartbeat });
  const taken = refused.filter((r) => r.type === ALREADY_INDEXED).map((r) => docs[r.position].id);
  const stored = taken.length
    ? await os.storedDigests(os.eventsIndex, taken)
    : new Map<string, { digest: unknown; time: string }>();
  const rejected: { offset: string; reason: string }[] = [];
  for (const r of refused) {
    const { id, doc } = docs[r.position];
    const offset = messages[r.position].offset;
    if (r.type !== ALREADY_INDEXED) {
      rejected.push({
        offset,
        reason: `opensearch rejected: ${r.type}: ${r.reason}`.slice(0, 500),
      });
      continue;
    }
    // Gone again since the conflict (deleted by hand): the batch is retried and creates it.
    const kept = stored.get(id);
    if (!kept) throw new Error(`event ${id} was refused as indexed but is not there`);
    // Compared at the stored time: `time` is when a producer published the event (or when it
    // was read, for a record without ce_time), so a genuine redelivery or re-publication of
    // the same event under its deterministic id differs there and nowhere else.
    if (kept.digest === doc.digest) continue;
    if (kept.digest === digestOf({ ...messages[r.position].envelope, time: kept.time })) continue;
    logger.error(
      { eventId: id, offset, partition: messages[r.position].partition },
      'event id already indexed with other content; the indexed event is kept',
    );
    rejected.push({
      offset,
      reason: `event id ${id} is already in the audit trail with other content; the indexed event is kept`,
    });
  }
  if (rejected.length) logger.warn({ count: rejected.length }, 'events rejected by opensearch');
  return { rejected };
}
