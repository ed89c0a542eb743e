import { Inject, Injectable } from '@nestjs/common';
import type { DeadLetter } from '@embargo/contracts';
import type { ConsumedMessage, HandlerContext, TopicHandler } from '@embargo/kafka';
import { LOGGER } from '@embargo/observability';
import type { Logger } from 'pino';
import { ALREADY_INDEXED, OpenSearchService } from './opensearch.service';

/** Makes dead letters searchable next to the audit trail (reason and origin, not the value). */
@Injectable()
export class DeadLettersConsumer implements TopicHandler<'deadLetters'> {
  constructor(
    private readonly os: OpenSearchService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async handle(messages: ConsumedMessage<DeadLetter>[], context: HandlerContext): Promise<void> {
    const refused = await this.os.bulkIndex(
      this.os.deadLettersIndex,
      messages.map((m) => ({
        id: m.envelope.id,
        doc: {
          eventId: m.envelope.id,
          time: m.envelope.time,
          sourceTopic: m.payload.sourceTopic,
          partition: m.payload.partition,
          offset: m.payload.offset,
          consumerGroup: m.payload.consumerGroup,
          reason: m.payload.reason,
          truncated: m.payload.truncated,
        },
      })),
      { between: context.heartbeat },
    );
    // Refused for good. Not dead-lettered again (that would loop), and not retried (that
    // would hold the partition forever): the letter itself stays on the topic.
    // A letter already indexed (a redelivery; letter ids are deterministic) stays as it is.
    for (const r of refused.filter((r) => r.type !== ALREADY_INDEXED))
      this.logger.error(
        {
          eventId: messages[r.position].envelope.id,
          offset: messages[r.position].offset,
          reason: r.type,
        },
        'dead letter not indexed',
      );
  }
}
