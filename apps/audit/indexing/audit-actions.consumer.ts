import { Inject, Injectable } from '@nestjs/common';
import type { AuditActionEvent } from '@embargo/contracts';
import type { ConsumedMessage, HandlerContext, HandlerResult, TopicHandler } from '@embargo/kafka';
import { LOGGER } from '@embargo/observability';
import type { Logger } from 'pino';
import { toAuditActionDocument } from './event-document';
import { indexEvents } from './index-events';
import { OpenSearchService } from './opensearch.service';

/**
 * Indexes auditors' actions into the events index, beside the requests they concern (see
 * indexEvents).
 */
@Injectable()
export class AuditActionsConsumer implements TopicHandler<'auditActions'> {
  constructor(
    private readonly os: OpenSearchService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  handle(
    messages: ConsumedMessage<AuditActionEvent>[],
    context: HandlerContext,
  ): Promise<HandlerResult> {
    return indexEvents(this.os, this.logger, messages, toAuditActionDocument, context);
  }
}
