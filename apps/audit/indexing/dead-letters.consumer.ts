import { Inject, Injectable } from '@nestjs/common';
import type { DeadLetter } from '@embargo/contracts';
import type { ConsumedMessage, TopicHandler } from '@embargo/kafka';
import { LOGGER } from '@embargo/observability';
import type { Logger } from 'pino';
import { OpenSearchService } from './opensearch.service';

/** Makes dead letters searchable next to the audit trail (reason and origin, not the value). */
@Injectable()
export class DeadLettersConsumer implements TopicHandler<'deadLetters'> {
  constructor(
    private readonly os: OpenSearchService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async handle(messages: ConsumedMessage<DeadLetter>[]): Promise<void> {
    const body = messages.flatMap((m) => [
      { index: { _index: this.os.deadLettersIndex, _id: m.envelope.id } },
      {
        eventId: m.envelope.id,
        time: m.envelope.time,
        sourceTopic: m.payload.sourceTopic,
        partition: m.payload.partition,
        offset: m.payload.offset,
        consumerGroup: m.payload.consumerGroup,
        reason: m.payload.reason,
        truncated: m.payload.truncated,
      },
    ]);
    const res = await this.os.client.bulk({
      body,
      refresh: false,
      filter_path: 'errors,items.*.status,items.*.error',
    });
    if (!res.body.errors) return;
    res.body.items.forEach((item, i) => {
      const r = item.index;
      if (!r?.error) return;
      const status = r.status ?? 0;
      // 429 and 5xx are OpenSearch being busy: retry the whole batch (idempotent ids).
      if (status === 429 || status >= 500) throw new Error(`opensearch ${status}: ${r.error.type}`);
      // Refused for good. Not dead-lettered again (that would loop), and not retried (that
      // would hold the partition forever): the letter itself stays on the topic.
      this.logger.error(
        { eventId: messages[i].envelope.id, offset: messages[i].offset, reason: r.error.type },
        'dead letter not indexed',
      );
    });
  }
}
