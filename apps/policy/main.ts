import 'reflect-metadata';
import { runService } from '@embargo/observability';
import { PolicyModule } from './app.module';
import { loadPolicyConfig } from './config';

runService(
  'policy',
  loadPolicyConfig,
  (config, instance) => PolicyModule.forRoot(config, instance),
  {
    bodyLimit: (config) => config.MAX_POLICY_BYTES + 64 * 1024,
  },
);
