import { Inject, Injectable } from '@nestjs/common';
import type { LifecycleEvent } from '@embargo/contracts';
import type { ConsumedMessage, HandlerResult, TopicHandler } from '@embargo/kafka';
import { LOGGER } from '@embargo/observability';
import type { Logger } from 'pino';
import { toEventDocument } from './event-document';
import { OpenSearchService } from './opensearch.service';

/**
 * Indexes each lifecycle event with its event id as `_id`, so a redelivered batch
 * overwrites the same documents (effectively-once) instead of duplicating them.
 */
@Injectable()
export class RequestEventsConsumer implements TopicHandler<'requestEvents'> {
  constructor(
    private readonly os: OpenSearchService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async handle(messages: ConsumedMessage<LifecycleEvent>[]): Promise<HandlerResult> {
    const now = new Date();
    const refused = await this.os.bulkIndex(
      this.os.eventsIndex,
      messages.map((m) => ({ id: m.envelope.id, doc: toEventDocument(m.envelope, now) })),
    );
    const rejected = refused.map((r) => ({
      offset: messages[r.position].offset,
      reason: `opensearch rejected: ${r.type}: ${r.reason}`.slice(0, 500),
    }));
    if (rejected.length)
      this.logger.warn({ count: rejected.length }, 'events rejected by opensearch');
    return { rejected };
  }
}
