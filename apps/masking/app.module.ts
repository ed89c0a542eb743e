import { Module } from '@nestjs/common';
import { bind, serviceModules } from '@embargo/kafka';
import type { MaskingConfig } from './config';
import { MaskRequestsConsumer } from './worker/mask-requests.consumer';

/** The masking app's one list of topic handlers. */
export const MASKING_CONSUMERS = [
  bind({ topic: 'maskRequests', group: 'masking-workers', handler: MaskRequestsConsumer }),
];

@Module({})
export class MaskingModule {
  static forRoot(config: MaskingConfig, instance: string) {
    return {
      module: MaskingModule,
      imports: [...serviceModules('masking', config, instance, MASKING_CONSUMERS)],
      providers: [MaskRequestsConsumer],
    };
  }
}
