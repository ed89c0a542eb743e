import 'reflect-metadata';
import { runService } from '@embargo/observability';
import { AuditModule } from './app.module';
import { loadAuditConfig } from './config';

runService('audit', loadAuditConfig, (config, instance) => AuditModule.forRoot(config, instance));
