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
    const body = messages.flatMap((m) => [
      { index: { _index: this.os.eventsIndex, _id: m.envelope.id } },
      toEventDocument(m.envelope, now),
    ]);
    // Only what is read back below: the full per-item answer is most of the bulk response.
    const res = await this.os.client.bulk({
      body,
      refresh: false,
      filter_path: 'errors,items.*.status,items.*.error',
    });
    if (!res.body.errors) return {};
    const rejected: { offset: string; reason: string }[] = [];
    res.body.items.forEach((item, i) => {
      const r = item.index;
      if (!r?.error) return;
      const status = r.status ?? 0;
      // 429 and 5xx are OpenSearch being busy: retry the whole batch (idempotent ids).
      if (status === 429 || status >= 500) throw new Error(`opensearch ${status}: ${r.error.type}`);
      rejected.push({
        offset: messages[i].offset,
        reason: `opensearch rejected: ${r.error.type}: ${r.error.reason ?? ''}`.slice(0, 500),
      });
    });
    if (rejected.length)
      this.logger.warn({ count: rejected.length }, 'events rejected by opensearch');
    return { rejected };
  }
}
