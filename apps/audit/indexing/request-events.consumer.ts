import { Inject, Injectable } from '@nestjs/common';
import type { LifecycleEvent } from '@embargo/contracts';
import type { ConsumedMessage, HandlerContext, HandlerResult, TopicHandler } from '@embargo/kafka';
import { LOGGER } from '@embargo/observability';
import type { Logger } from 'pino';
import { toEventDocument } from './event-document';
import { indexEvents } from './index-events';
import { OpenSearchService } from './opensearch.service';

/**
 * Indexes each lifecycle event (see indexEvents).
 */
@Injectable()
export class RequestEventsConsumer implements TopicHandler<'requestEvents'> {
  constructor(
    private readonly os: OpenSearchService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  handle(
    messages: ConsumedMessage<LifecycleEvent>[],
    context: HandlerContext,
  ): Promise<HandlerResult> {
    return indexEvents(this.os, this.logger, messages, toEventDocument, context);
  }
}
