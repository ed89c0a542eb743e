import 'reflect-metadata';
import { runService } from '@embargo/observability';
import { IngressModule } from './app.module';
import { loadIngressConfig } from './config';
import { AuditTrail } from './events/audit-trail.service';
import { AuditedErrorFilter } from './events/rejection.filter';

runService(
  'ingress',
  loadIngressConfig,
  (config, instance) => IngressModule.forRoot(config, instance),
  {
    bodyLimit: (config) => config.MAX_BODY_BYTES,
    errorFilter: (app, logger) => new AuditedErrorFilter(logger, app.get(AuditTrail)),
  },
);
