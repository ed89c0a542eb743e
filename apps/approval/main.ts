import 'reflect-metadata';
import { runService } from '@embargo/observability';
import { ApprovalModule } from './app.module';
import { loadApprovalConfig } from './config';

runService('approval', loadApprovalConfig, (config, instance) =>
  ApprovalModule.forRoot(config, instance),
);
