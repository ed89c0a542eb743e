import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '@embargo/config';
import { SIGNED_PURPOSES, type BundleMessage } from '@embargo/contracts';
import { DocumentVerifier } from '@embargo/crypto';
import type { ConsumedMessage, TopicHandler } from '@embargo/kafka';
import { LOGGER } from '@embargo/observability';
import type { Logger } from 'pino';
import type { IngressConfig } from '../config';
import { BundleStore } from './bundle.store';

/** Feeds the bundle store with the signed bundles of this gateway's policy set. */
@Injectable()
export class BundlesConsumer implements TopicHandler<'policyBundles'> {
  constructor(
    private readonly store: BundleStore,
    private readonly verifier: DocumentVerifier,
    @Inject(APP_CONFIG) private readonly config: IngressConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Only the newest bundle of a batch matters: at start-up the whole topic arrives in a few
   * batches, and compiling every old version would only delay readiness. A bundle the policy
   * service did not sign is dropped before it can count as newest, so a forged one with a high
   * version number changes nothing.
   */
  async handle(messages: ConsumedMessage<BundleMessage>[]): Promise<void> {
    let newest: BundleMessage | undefined;
    for (const m of messages) {
      const bundle = m.payload;
      if (bundle.policySet !== this.config.POLICY_SET || bundle.version <= (newest?.version ?? 0))
        continue;
      const problem = this.verifier.problem(SIGNED_PURPOSES.bundle, bundle);
      if (problem === undefined) newest = bundle;
      else
        this.logger.error(
          { version: bundle.version, partition: m.partition, offset: m.offset },
          `policy bundle v${bundle.version} dropped: ${problem}`,
        );
    }
    if (newest) this.store.offer(newest);
  }

  caughtUp(): void {
    this.store.markLoaded();
  }
}
