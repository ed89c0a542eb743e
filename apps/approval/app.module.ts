import { Module } from '@nestjs/common';
import { serviceModules } from '@embargo/kafka';
import type { ApprovalConfig } from './config';
import { RedisConnection } from './holds/redis.provider';

@Module({})
export class ApprovalModule {
  static forRoot(config: ApprovalConfig, instance: string) {
    return {
      module: ApprovalModule,
      imports: [...serviceModules('approval', config, instance)],
      providers: [RedisConnection],
    };
  }
}
