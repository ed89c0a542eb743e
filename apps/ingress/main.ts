import 'reflect-metadata';
import { setFlagsFromString } from 'node:v8';
import { runService } from '@embargo/observability';
import { IngressModule } from './app.module';
import { keepsParallelScavenge, loadIngressConfig } from './config';
import { AnonymousRefusals } from './events/anonymous-refusals';
import { AuditTrail } from './events/audit-trail.service';
import { AuditedErrorFilter } from './events/rejection.filter';
import { INGRESS_MAX_HEADER_BYTES } from './identity';

// V8 scavenges the young generation with helper threads by default. On a small host the
// gateway shares with Kafka and the indexer, the main thread, and every request on it, then
// waits for helpers its neighbours keep busy. On the 2-core benchmark machine, scavenging on
// the main thread alone cut the ingress's CPU per request by about a tenth and its added p99
// at 200 requests/s from 21-40 ms to 14-20 ms (docs/benchmarks.md). `node
// --parallel-scavenge dist/apps/ingress/main.js` keeps V8's default on a larger host.
if (!keepsParallelScavenge(process.execArgv)) setFlagsFromString('--no-parallel-scavenge');

runService(
  'ingress',
  loadIngressConfig,
  (config, instance) => IngressModule.forRoot(config, instance),
  {
    bodyLimit: (config) => config.MAX_BODY_BYTES,
    maxInFlight: (config) => config.MAX_IN_FLIGHT,
    maxHeaderBytes: INGRESS_MAX_HEADER_BYTES,
    onParserRefusal: (app) => {
      const refusals = app.get(AnonymousRefusals);
      return (refusal) => refusals.refusedUnread(refusal);
    },
    errorFilter: (app, logger) =>
      new AuditedErrorFilter(logger, app.get(AuditTrail), app.get(AnonymousRefusals)),
  },
);
