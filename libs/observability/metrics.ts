import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** One registry per process, labelled with the app name. */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly kafkaConsumed: Counter<'topic' | 'outcome'>;
  readonly kafkaProduced: Counter<'topic'>;

  constructor(app: string) {
    this.registry.setDefaultLabels({ app });
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'embargo_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    this.kafkaConsumed = new Counter({
      name: 'embargo_kafka_messages_consumed_total',
      help: 'Kafka messages consumed, by outcome (ok, dead_lettered, retried, dead_letter_failed)',
      labelNames: ['topic', 'outcome'],
      registers: [this.registry],
    });
    this.kafkaProduced = new Counter({
      name: 'embargo_kafka_messages_produced_total',
      help: 'Kafka messages produced',
      labelNames: ['topic'],
      registers: [this.registry],
    });
  }
}
