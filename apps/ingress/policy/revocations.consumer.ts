import { Injectable } from '@nestjs/common';
import type { Revocation } from '@embargo/contracts';
import type { ConsumedMessage, TopicHandler } from '@embargo/kafka';
import { RevocationSet } from './revocation.set';

@Injectable()
export class RevocationsConsumer implements TopicHandler<'revocations'> {
  constructor(private readonly set: RevocationSet) {}

  async handle(messages: ConsumedMessage<Revocation>[]): Promise<void> {
    for (const m of messages) this.set.apply(m.payload);
  }

  caughtUp(): void {
    this.set.markLoaded();
  }
}
