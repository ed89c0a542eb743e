import { Inject, Injectable } from '@nestjs/common';
import type { AuditActionEvent } from '@embargo/contracts';
import type { ConsumedMessage, HandlerResult, TopicHandler } from '@embargo/kafka';
import { LOGGER } from '@embargo/observability';
import type { Logger } from 'pino';
import { toAuditActionDocument } from './event-document';
import { OpenSearchService } from './opensearch.service';

/**
 * Indexes auditors' actions into the events index, beside the requests they concern, with
 * the event id as `_id` so a redelivered batch overwrites instead of duplicating.
 */
@Injectable()
export class AuditActionsConsumer implements TopicHandler<'auditActions'> {
  constructor(
    private readonly os: OpenSearchService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async handle(messages: ConsumedMessage<AuditActionEvent>[]): Promise<HandlerResult> {
    const now = new Date();
    const refused = await this.os.bulkIndex(
      this.os.eventsIndex,
      messages.map((m) => ({ id: m.envelope.id, doc: toAuditActionDocument(m.envelope, now) })),
    );
    const rejected = refused.map((r) => ({
      offset: messages[r.position].offset,
      reason: `opensearch rejected: ${r.type}: ${r.reason}`.slice(0, 500),
    }));
    if (rejected.length)
      this.logger.warn({ count: rejected.length }, 'audit actions rejected by opensearch');
    return { rejected };
  }
}
