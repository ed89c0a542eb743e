import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** One registry per process, labelled with the app name. */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly kafkaConsumed: Counter<'topic' | 'outcome'>;
  readonly kafkaProduced: Counter<'topic'>;
  readonly kafkaConsumerRestarts: Counter<'topic'>;
  readonly httpInFlight: Gauge;
  readonly httpShed: Counter<'route'>;
  readonly connectionsDropped: Counter;

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
    this.kafkaConsumerRestarts = new Counter({
      name: 'embargo_kafka_consumer_restarts_total',
      help: 'Consumers started again by the app after the Kafka client gave up on them',
      labelNames: ['topic'],
      registers: [this.registry],
    });
    this.httpInFlight = new Gauge({
      name: 'embargo_http_requests_in_flight',
      help: 'HTTP requests held now under the in-flight cap (MAX_IN_FLIGHT)',
      registers: [this.registry],
    });
    this.httpShed = new Counter({
      name: 'embargo_http_requests_shed_total',
      help: 'HTTP requests refused with 503 overloaded because the in-flight cap was reached',
      labelNames: ['route'],
      registers: [this.registry],
    });
    this.connectionsDropped = new Counter({
      name: 'embargo_http_connections_dropped_total',
      help: 'Connections closed on arrival because the connection cap (MAX_CONNECTIONS) was reached',
      registers: [this.registry],
    });
  }
}
