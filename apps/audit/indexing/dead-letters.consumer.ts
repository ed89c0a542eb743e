import { Injectable } from '@nestjs/common';
import type { DeadLetter } from '@embargo/contracts';
import type { ConsumedMessage, TopicHandler } from '@embargo/kafka';
import { OpenSearchService } from './opensearch.service';

/** Makes dead letters searchable next to the audit trail (reason and origin, not the value). */
@Injectable()
export class DeadLettersConsumer implements TopicHandler<'deadLetters'> {
  constructor(private readonly os: OpenSearchService) {}

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
    const res = await this.os.client.bulk({ body });
    if (res.body.errors) throw new Error('dead letter indexing failed');
  }
}
