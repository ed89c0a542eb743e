import type { Envelope } from '@embargo/contracts';
import type { ConsumedMessage, HandlerContext, HandlerResult } from '@embargo/kafka';
import type { Logger } from 'pino';
import type { OpenSearchService } from './opensearch.service';

/**
 * Indexes a batch into the events index with each event id as `_id`, so a redelivered batch
 * overwrites the same documents (effectively-once) instead of duplicating them. Documents
 * OpenSearch refuses for good are the handler's rejects, which go to the dead-letter topic.
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
  const refused = await os.bulkIndex(
    os.eventsIndex,
    messages.map((m) => ({ id: m.envelope.id, doc: toDocument(m.envelope, now) })),
    { between: context.heartbeat },
  );
  const rejected = refused.map((r) => ({
    offset: messages[r.position].offset,
    reason: `opensearch rejected: ${r.type}: ${r.reason}`.slice(0, 500),
  }));
  if (rejected.length) logger.warn({ count: rejected.length }, 'events rejected by opensearch');
  return { rejected };
}
