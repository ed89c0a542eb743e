import { type ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { authorizationHeaders } from '@embargo/auth';
import { EmbargoError } from '@embargo/contracts';
import { IdentityService } from './identity.service';
import { bearerFromRequest } from './jwt.strategy';
import type { Principal } from './principal';

/**
 * Authenticates with the 'jwt' strategy and sets `request.user` to the Principal. Every
 * refusal is an EmbargoError whose message says what was wrong and never repeats the token.
 *
 * A token this instance has already verified in full (signature, issuer, audience, times)
 * is answered from IdentityService's cache, which never outlives the token's exp, after a
 * fresh revocation check: passport-jwt would otherwise check the same signature again on
 * every request of a workload that reuses its token.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly identity: IdentityService) {
    super();
  }

  override canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<{
      headers?: Record<string, unknown>;
      raw?: { rawHeaders?: string[] };
    }>();
    // Node keeps only the first of several Authorization headers, so a proxy or a caller
    // could have sent a token other than the one checked here: refuse rather than guess.
    if (authorizationHeaders(request.raw?.rawHeaders ?? []) > 1)
      return Promise.reject(
        new EmbargoError('invalid_token', 'More than one Authorization header; send exactly one'),
      );
    const token = bearerFromRequest(request);
    const known = token ? this.identity.verifiedBefore(token) : undefined;
    if (known) {
      (request as { user?: Principal }).user = known;
      return Promise.resolve(true);
    }
    return super.canActivate(context) as Promise<boolean>;
  }

  override handleRequest<TUser = Principal>(
    err: unknown,
    user: unknown,
    info: unknown,
    context: ExecutionContext,
  ): TUser {
    // An unexpected error (a bug, not a bad token) stays a 500 with an error id in the log.
    if (err) throw err instanceof Error ? err : new Error('authentication failed unexpectedly');
    if (user) return user as TUser;
    throw toEmbargoError(info, context);
  }
}

function toEmbargoError(reason: unknown, context: ExecutionContext): EmbargoError {
  if (reason instanceof EmbargoError) return reason;
  const headers =
    context.switchToHttp().getRequest<{ headers?: Record<string, unknown> }>().headers ?? {};
  if (reason instanceof Error && reason.message === 'No auth token') {
    const header = headers.authorization;
    return typeof header === 'string' && header.trim()
      ? new EmbargoError(
          'unauthenticated',
          'Authorization header is not a bearer token: send "Authorization: Bearer <token>"',
        )
      : new EmbargoError(
          'unauthenticated',
          'Missing bearer token: send "Authorization: Bearer <token>"',
        );
  }
  // passport-jwt's own re-check (jsonwebtoken errors); their messages carry no token.
  if (reason instanceof Error) {
    switch (reason.name) {
      case 'TokenExpiredError':
        return new EmbargoError('invalid_token', 'Bearer token expired');
      case 'NotBeforeError':
        return new EmbargoError('invalid_token', 'Bearer token is not yet valid');
      case 'JsonWebTokenError':
        return new EmbargoError('invalid_token', `Bearer token rejected: ${reason.message}`);
    }
  }
  return new EmbargoError('unauthenticated', 'Authentication failed');
}
