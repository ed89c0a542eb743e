import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '@embargo/config';
import type { BundleMessage } from '@embargo/contracts';
import type { ConsumedMessage, TopicHandler } from '@embargo/kafka';
import type { IngressConfig } from '../config';
import { BundleStore } from './bundle.store';

/** Feeds the bundle store with the bundles of this gateway's policy set. */
@Injectable()
export class BundlesConsumer implements TopicHandler<'policyBundles'> {
  constructor(
    private readonly store: BundleStore,
    @Inject(APP_CONFIG) private readonly config: IngressConfig,
  ) {}

  /**
   * Only the newest bundle of a batch matters: at start-up the whole topic arrives in a few
   * batches, and compiling every old version would only delay readiness.
   */
  async handle(messages: ConsumedMessage<BundleMessage>[]): Promise<void> {
    let newest: BundleMessage | undefined;
    for (const m of messages)
      if (
        m.payload.policySet === this.config.POLICY_SET &&
        m.payload.version > (newest?.version ?? 0)
      )
        newest = m.payload;
    if (newest) this.store.offer(newest);
  }

  caughtUp(): void {
    this.store.markLoaded();
  }
}
