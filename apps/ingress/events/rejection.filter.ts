import { ArgumentsHost, Catch } from '@nestjs/common';
import { ERROR_CODES } from '@embargo/contracts';
import { clientRequestId, OpenAiErrorFilter } from '@embargo/observability';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { sendOAuthError, toOAuthError, usesOAuthErrors } from '../exchange/oauth-error';
import type { Principal } from '../identity';
import { summarize } from '../policy/policy-principal';
import type { AnonymousRefusals } from './anonymous-refusals';
import type { AuditTrail } from './audit-trail.service';
import { plainAddress } from './refusal-budget';

/**
 * Every refused or failed API request leaves an audit event (401s included), then the
 * error goes out in the OpenAI shape, or in OAuth's on the token endpoint. The event is
 * best effort: the answer is already no. Refusals anyone can cause at the gateway's rate are
 * written within a budget, and the rest counted (AnonymousRefusals): those of callers without a
 * verified identity and those over MAX_IN_FLIGHT (one event a second).
 */
@Catch()
export class AuditedErrorFilter extends OpenAiErrorFilter {
  constructor(
    logger: Logger,
    private readonly trail: AuditTrail,
    private readonly refusals: AnonymousRefusals,
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
    if ((req.routeOptions?.url ?? req.url).startsWith('/v1/')) {
      const event = {
        requestId: req.id,
        clientRequestId: clientRequestId(req),
        stage: status >= 500 ? ('failed' as const) : ('rejected' as const),
        principal: req.user ? summarize(req.user) : undefined,
        status,
        code: error.code,
        message: error.message.slice(0, 1000),
      };
      if (error.code === 'overloaded') {
        if (this.refusals.overloaded()) this.trail.recordLater(event);
      } else if (req.user) {
        this.trail.recordLater(event);
      } else {
        const clientIp = plainAddress(req.ip);
        // Without an identity, the address is all the trail can say of who it was.
        if (this.refusals.admit(clientIp, error.code, status))
          this.trail.recordLater({ ...event, clientIp });
      }
    }
    const reply = http.getResponse<FastifyReply>();
    if (oauth) sendOAuthError(reply, oauth, error);
    else this.respond(reply, error);
  }
}
