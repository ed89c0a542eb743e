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
   * Only the newest bundle of a batch that compiles matters: at start-up the whole topic
   * arrives in a few batches, and compiling every old version would only delay readiness.
   */
  async handle(messages: ConsumedMessage<BundleMessage>[]): Promise<void> {
    const ours = messages
      .map((m) => m.payload)
      .filter((b) => b.policySet === this.config.POLICY_SET)
      .sort((a, b) => b.version - a.version);
    for (const bundle of ours) {
      if (bundle.version <= (this.store.version ?? 0)) return;
      if (this.store.offer(bundle)) return;
    }
  }

  caughtUp(): void {
    this.store.markLoaded();
  }
}
