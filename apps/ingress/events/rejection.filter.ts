import { ArgumentsHost, Catch } from '@nestjs/common';
import { ERROR_CODES } from '@embargo/contracts';
import { clientRequestId, OpenAiErrorFilter } from '@embargo/observability';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { sendOAuthError, toOAuthError, usesOAuthErrors } from '../exchange/oauth-error';
import type { Principal } from '../identity';
import { summarize } from '../policy/policy-principal';
import type { AuditTrail } from './audit-trail.service';
import { OnePerInterval } from './one-per-interval';

/**
 * Every refused or failed API request leaves an audit event (401s included), then the
 * error goes out in the OpenAI shape, or in OAuth's on the token endpoint. The event is
 * best effort: the answer is already no.
 */
@Catch()
export class AuditedErrorFilter extends OpenAiErrorFilter {
  /**
   * Refusals over MAX_IN_FLIGHT come in floods, unauthenticated ones included, while the
   * instance is busiest: one event a second says it was refusing and how often, where one
   * per refusal would turn the flood into as many Kafka writes.
   */
  private readonly overloadEvents = new OnePerInterval(1000);

  constructor(
    logger: Logger,
    private readonly trail: AuditTrail,
  ) {
    super(logger);
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<FastifyRequest & { user?: Principal }>();
    const error = this.describe(exception, req);
    const oauth = usesOAuthErrors(req) ? toOAuthError(error) : undefined;
    // The event keeps the gateway's own code (which says why) and the status that was sent.
    const status = oauth?.status ?? ERROR_CODES[error.code].status;
    // Bodies Fastify refused (bad JSON, too large, wrong media type) and unexpected
    // failures are audited like the gateway's own refusals. So is a 503 for the audit trail
    // itself: when Kafka was slow rather than down, the request's decision is written after
    // its deadline, and this event says it was never forwarded (while Kafka is down it waits
    // in the publisher's bounded queue, or is dropped with the rest).
    // The matched route, not the raw URL: the router decodes the path, so `/%761/embeddings`
    // reaches the same handler and must leave the same trail. Unmatched paths have no route.
    const heldBack = !(req.routeOptions?.url ?? req.url).startsWith('/v1/')
      ? undefined
      : error.code === 'overloaded'
        ? this.overloadEvents.take()
        : 0;
    if (heldBack !== undefined) {
      const message = heldBack
        ? `${error.message} (${heldBack} more refused since the last such event)`
        : error.message;
      this.trail.recordLater({
        requestId: req.id,
        clientRequestId: clientRequestId(req),
        stage: status >= 500 ? 'failed' : 'rejected',
        principal: req.user ? summarize(req.user) : undefined,
        status,
        code: error.code,
        message: message.slice(0, 1000),
      });
    }
    const reply = http.getResponse<FastifyReply>();
    if (oauth) sendOAuthError(reply, oauth, error);
    else this.respond(reply, error);
  }
}
