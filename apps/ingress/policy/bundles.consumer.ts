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

  async handle(messages: ConsumedMessage<BundleMessage>[]): Promise<void> {
    for (const m of messages) {
      if (m.payload.policySet === this.config.POLICY_SET) this.store.offer(m.payload);
    }
  }
}
