import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG } from '@embargo/config';
import { ERROR_CODES } from '@embargo/contracts';
import { randomUUID } from 'node:crypto';
import type { ParserRefusal } from '@embargo/observability';
import type { IngressConfig } from '../config';
import { AuditTrail } from './audit-trail.service';
import { OnePerInterval } from './one-per-interval';
import { plainAddress, RefusalBudget } from './refusal-budget';

/** The window the refusal budget counts in. */
export const REFUSAL_WINDOW_MS = 60_000;
/** (address, code) pairs counted one by one a window; the refusals of further ones are counted together. */
const MAX_TRACKED = 1000;

/**
 * Audits the refusals of callers without a verified identity within a budget (RefusalBudget):
 * each gets its own event until its address and code have used theirs for the minute; then
 * one event per address and code says how many more there were, when the minute ends or the
 * instance stops.
 */
@Injectable()
export class AnonymousRefusals implements OnModuleInit, OnApplicationShutdown {
  private readonly budget: RefusalBudget;
  /**
   * Refusals over MAX_IN_FLIGHT come in floods, unauthenticated ones included, while the
   * instance is busiest: one event a second says it was refusing and how often, where one
   * per refusal would turn the flood into as many Kafka writes. The others are counted in the
   * minute's summary, like the refusals over the budget, so the end of a flood is counted too.
   */
  private readonly overloads = new OnePerInterval(1000);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly trail: AuditTrail,
    @Inject(APP_CONFIG) config: IngressConfig,
  ) {
    this.budget = new RefusalBudget(
      config.REFUSAL_EVENTS_PER_SOURCE,
      config.REFUSAL_EVENTS_PER_MINUTE,
      MAX_TRACKED,
    );
  }

  onModuleInit(): void {
    this.timer = setInterval(() => this.flush(), REFUSAL_WINDOW_MS);
    this.timer.unref();
  }

  /**
   * The counts of the last, unfinished minute are written too: once the HTTP server has closed,
   * so the requests it finished while stopping are counted (refused while their keys were
   * fetched or their body arrived), and before Kafka's producer stops (a module imported by
   * this one, whose shutdown hooks run after this one's).
   */
  onApplicationShutdown(): void {
    clearInterval(this.timer);
    this.flush();
  }

  /** Whether this refusal gets its own event; when not, it is counted for the minute's summary. */
  admit(clientIp: string | undefined, code: string, status: number): boolean {
    return this.budget.admit(clientIp, code, status);
  }

  /** Whether this refusal over MAX_IN_FLIGHT gets its own event; when not, it is counted. */
  overloaded(): boolean {
    return this.overloads.take();
  }

  /**
   * A request the HTTP parser refused before any request existed (malformed, headers over the
   * limit, too slow to arrive): nobody has an identity there, so it shares the budget.
   */
  refusedUnread(refusal: ParserRefusal): void {
    const clientIp = plainAddress(refusal.remoteAddress);
    if (!this.admit(clientIp, refusal.code, refusal.status)) return;
    this.record({
      status: refusal.status,
      code: refusal.code,
      clientIp,
      message: `${refusal.message} (refused by the HTTP parser, before any request was read)`,
    });
  }

  flush(): void {
    const overloads = this.overloads.drain();
    if (overloads > 0)
      this.record({
        status: ERROR_CODES.overloaded.status,
        code: 'overloaded',
        heldBack: overloads,
        message: `${overloads} more refusals (overloaded) on this instance, not written one by one`,
      });
    for (const { clientIp, code, status, heldBack } of this.budget.drain()) {
      const from = clientIp
        ? 'this address'
        : `addresses past the first ${MAX_TRACKED} counted one by one`;
      this.record({
        status,
        code,
        clientIp,
        heldBack,
        message: `${heldBack} more refusals (${code}) from ${from} in the last minute, not written one by one`,
      });
    }
  }

  /** An event of refusals that belong to no one request, under an id of its own. */
  private record(refusal: {
    status: number;
    code: string;
    message: string;
    clientIp?: string;
    heldBack?: number;
  }): void {
    this.trail.recordLater({
      requestId: randomUUID(),
      stage: refusal.status >= 500 ? 'failed' : 'rejected',
      ...refusal,
    });
  }
}
