import 'reflect-metadata';
import { runService } from '@embargo/observability';
import { IngressModule } from './app.module';
import { loadIngressConfig } from './config';
import { AuditTrail } from './events/audit-trail.service';
import { AuditedErrorFilter } from './events/rejection.filter';
import { INGRESS_MAX_HEADER_BYTES } from './identity';

runService(
  'ingress',
  loadIngressConfig,
  (config, instance) => IngressModule.forRoot(config, instance),
  {
    bodyLimit: (config) => config.MAX_BODY_BYTES,
    maxHeaderBytes: INGRESS_MAX_HEADER_BYTES,
    errorFilter: (app, logger) => new AuditedErrorFilter(logger, app.get(AuditTrail)),
  },
);
