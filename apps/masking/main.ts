import 'reflect-metadata';
import { runService } from '@embargo/observability';
import { MaskingModule } from './app.module';
import { loadMaskingConfig } from './config';

runService('masking', loadMaskingConfig, (config, instance) =>
  MaskingModule.forRoot(config, instance),
);
