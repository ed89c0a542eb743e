import {
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  mixin,
  type Type,
} from '@nestjs/common';
import { APP_CONFIG } from '@embargo/config';
import { EmbargoError } from '@embargo/contracts';
import type { FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { authorizationHeaders } from './authorization-headers';

export interface StaticTokenGuardOptions {
  /**
   * The setting may be left unset, which turns the routes off: every caller gets a 404
   * saying so, instead of the app refusing to start.
   */
  optional?: boolean;
}

/**
 * A guard admitting callers that present the operator token named by `setting` in the
 * app's config. Tokens are compared as SHA-256 digests in constant time, never logged.
 */
export function StaticTokenGuard(
  setting: string,
  label: string,
  options: StaticTokenGuardOptions = {},
): Type<CanActivate> {
  @Injectable()
  class Guard implements CanActivate {
    private readonly expected?: Buffer;
    constructor(@Inject(APP_CONFIG) config: Record<string, unknown>) {
      const token = config[setting];
      if (token === undefined && options.optional) return;
      if (typeof token !== 'string' || token.length < 24)
        throw new Error(`${setting} is not configured`);
      this.expected = createHash('sha256').update(token).digest();
    }

    canActivate(ctx: ExecutionContext): boolean {
      if (this.expected === undefined)
        throw new EmbargoError(
          'not_found',
          `The ${label} routes are not enabled on this service (${setting} is not set)`,
        );
      const req = ctx.switchToHttp().getRequest<FastifyRequest>();
      // Node keeps only the first of several Authorization headers: refuse rather than guess
      // which one a proxy in front of this service checked.
      if (authorizationHeaders(req.raw?.rawHeaders ?? []) > 1)
        throw new EmbargoError(
          'invalid_token',
          `More than one Authorization header; send exactly one ${label} bearer token`,
        );
      const match = /^Bearer ([\x21-\x7e]{1,4096})$/.exec(req.headers.authorization ?? '');
      if (!match) throw new EmbargoError('unauthenticated', `Missing ${label} bearer token`);
      const given = createHash('sha256').update(match[1]).digest();
      if (!timingSafeEqual(given, this.expected))
        throw new EmbargoError('invalid_token', `Invalid ${label} token`);
      return true;
    }
  }
  return mixin(Guard);
}
