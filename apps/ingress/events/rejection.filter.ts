import { ArgumentsHost, Catch } from '@nestjs/common';
import { EmbargoError, ERROR_CODES, type ErrorCode } from '@embargo/contracts';
import { clientRequestId, OpenAiErrorFilter } from '@embargo/observability';
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Principal } from '../identity';
import { summarize } from '../policy/policy-principal';
import type { AuditTrail } from './audit-trail.service';

/**
 * Every refused or failed API request leaves an audit event (401s included), then the
 * error goes out in the OpenAI shape. The event is best effort: the answer is already no.
 */
@Catch()
export class AuditedErrorFilter extends OpenAiErrorFilter {
  constructor(
    logger: Logger,
    private readonly trail: AuditTrail,
  ) {
    super(logger);
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>();
    if (
      exception instanceof EmbargoError &&
      req.url.startsWith('/v1/') &&
      exception.code !== 'audit_unavailable'
    ) {
      const code: ErrorCode = exception.code;
      const status = ERROR_CODES[code].status;
      this.trail.recordLater({
        requestId: req.id,
        clientRequestId: clientRequestId(req),
        stage: status >= 500 ? 'failed' : 'rejected',
        principal: req.user ? summarize(req.user) : undefined,
        status,
        code,
        message: exception.message.slice(0, 1000),
      });
    }
    super.catch(exception, host);
  }
}
