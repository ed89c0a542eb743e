import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '@embargo/config';
import { EmbargoError, eventTypeOf, type LifecycleEvent } from '@embargo/contracts';
import { KafkaService, RecordTooLarge } from '@embargo/kafka';
import { APP_IDENTITY, type AppIdentity, LOGGER } from '@embargo/observability';
import type { Logger } from 'pino';
import type { IngressConfig } from '../config';

type WithoutInstance<E> = E extends unknown ? Omit<E, 'instance'> : never;
export type TrailEvent = WithoutInstance<LifecycleEvent>;

/**
 * Writes the request's lifecycle events. `record` resolves only once Kafka holds the
 * event with acks=all; the data path awaits it before forwarding (fail closed).
 */
@Injectable()
export class AuditTrail {
  constructor(
    private readonly kafka: KafkaService,
    @Inject(APP_IDENTITY) private readonly identity: AppIdentity,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: IngressConfig,
  ) {}

  async record(event: TrailEvent, discriminator = '', deferrable = false): Promise<void> {
    const full = { ...event, instance: this.identity.instance };
    try {
      await withTimeout(
        this.kafka.publisher.publish('requestEvents', full, {
          key: event.requestId,
          type: eventTypeOf(event.stage),
          idParts: [event.requestId, event.stage, discriminator],
          requestId: event.requestId,
          deferrable,
        }),
        this.config.AUDIT_TIMEOUT_MS,
      );
    } catch (err) {
      this.logger.error(
        {
          requestId: event.requestId,
          stage: event.stage,
          err: { message: (err as Error).message },
        },
        'audit event not written',
      );
      if (err instanceof RecordTooLarge)
        // The same request would be refused every time: a 503 would have callers retry it.
        throw new EmbargoError(
          'payload_too_large',
          `The request's ${event.stage} event would be larger than the audit trail accepts; send fewer or shorter inputs per request`,
        );
      throw new EmbargoError(
        'audit_unavailable',
        'The audit trail is unavailable; the request was not forwarded',
      );
    }
  }

  /**
   * For events after the response is decided (e.g. rejections): logged if they fail, and
   * sent with the next batch (at most the publisher's linger later) rather than alone. An
   * event still being computed is tracked until it is queued, so shutdown waits for it.
   */
  recordLater(event: TrailEvent | Promise<TrailEvent>, discriminator = ''): void {
    if (!(event instanceof Promise)) {
      this.record(event, discriminator, true).catch(() => undefined);
      return;
    }
    this.kafka.publisher.track(
      event.then((e) => {
        this.record(e, discriminator, true).catch(() => undefined);
      }),
    );
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
