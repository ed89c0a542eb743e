import { Inject, Injectable } from '@nestjs/common';
import { SIGNED_PURPOSES, type Revocation } from '@embargo/contracts';
import { DocumentVerifier } from '@embargo/crypto';
import type { ConsumedMessage, TopicHandler } from '@embargo/kafka';
import { LOGGER } from '@embargo/observability';
import type { Logger } from 'pino';
import { RevocationSet } from './revocation.set';

@Injectable()
export class RevocationsConsumer implements TopicHandler<'revocations'> {
  constructor(
    private readonly set: RevocationSet,
    private readonly verifier: DocumentVerifier,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Only what the policy service signed: a forged entry could lift a revocation. */
  async handle(messages: ConsumedMessage<Revocation>[]): Promise<void> {
    for (const m of messages) {
      const problem = this.verifier.problem(SIGNED_PURPOSES.revocation, m.payload);
      if (problem === undefined) {
        if (!this.set.apply(m.payload))
          this.logger.warn(
            { kind: m.payload.kind, partition: m.partition, offset: m.offset },
            'revocation ignored: a later one for the same key was applied',
          );
      } else
        this.logger.error(
          {
            kind: m.payload.kind,
            active: m.payload.active,
            partition: m.partition,
            offset: m.offset,
          },
          `revocation dropped: ${problem}`,
        );
    }
  }

  caughtUp(): void {
    this.set.markLoaded();
  }
}
