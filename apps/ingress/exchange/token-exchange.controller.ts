import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Inject,
  Optional,
  Post,
  Req,
} from '@nestjs/common';
import { APP_CONFIG } from '@embargo/config';
import { EmbargoError, type ErrorCode } from '@embargo/contracts';
import { clientRequestId } from '@embargo/observability';
import type { FastifyRequest } from 'fastify';
import type { IngressConfig } from '../config';
import { AuditTrail } from '../events/audit-trail.service';
import { IdentityService, type Principal } from '../identity';
import { RateLimiter } from '../limits/rate-limiter';
import { BundleStore } from '../policy/bundle.store';
import { grantMatcher } from '../policy/model-grants';
import { summarize, toPolicyPrincipal } from '../policy/policy-principal';
import { EXCHANGED_TOKEN_MAX_BYTES } from './exchange-issuer';
import { ExchangeSigner } from './exchange-signer';
import { subjectClaims } from './exchanged-claims';
import { NO_STORE_HEADERS, OAuthErrors } from './oauth-error';
import { JWT_TYPE, parseExchangeRequest } from './token-exchange.dto';
import { UpstreamClient } from '../upstream';

/** What the identity service refuses a token with: at this endpoint, a bad parameter. */
const SUBJECT_REFUSALS = new Set<ErrorCode>(['unauthenticated', 'invalid_token', 'token_revoked']);

/**
 * RFC 8693 token exchange: trades a verified identity token for a short-lived Embargo
 * token scoped to named models, optionally single-use. An OAuth endpoint, so its errors
 * take the RFC 6749 §5.2 shape (see oauth-error.ts), not the OpenAI one.
 */
@Controller()
export class TokenExchangeController {
  constructor(
    private readonly identity: IdentityService,
    private readonly bundles: BundleStore,
    private readonly trail: AuditTrail,
    private readonly limiter: RateLimiter,
    private readonly upstream: UpstreamClient,
    @Inject(APP_CONFIG) private readonly config: IngressConfig,
    @Optional() @Inject(ExchangeSigner) private readonly signer?: ExchangeSigner,
  ) {}

  /** The public keys that verify exchanged tokens, for other services. */
  @Get('.well-known/jwks.json')
  jwks() {
    return { keys: this.signer ? this.signer.verificationJwks : [] };
  }

  @Post('v1/token')
  @HttpCode(200)
  @OAuthErrors()
  @Header('cache-control', NO_STORE_HEADERS['cache-control'])
  @Header('pragma', NO_STORE_HEADERS.pragma)
  async exchange(@Body() body: unknown, @Req() request: FastifyRequest) {
    // The one grant this endpoint knows is off: to an OAuth client, an unsupported grant.
    if (!this.signer)
      throw new EmbargoError(
        'unsupported_grant_type',
        'Token exchange is not enabled on this gateway',
        { param: 'grant_type' },
      );
    const req = parseExchangeRequest(body);
    const subject = await this.verifySubject(req.subjectToken);
    // Every exchange signs a credential and writes a durable event: bounded per principal.
    await this.limiter.take(
      subject.id,
      0,
      { requestsPerMinute: this.config.EXCHANGE_REQUESTS_PER_MINUTE },
      'exchange',
    );
    if (subject.tokenKind === 'exchanged') {
      throw new EmbargoError('invalid_request', 'An exchanged token cannot be exchanged again', {
        param: 'subject_token',
      });
    }
    const { models } = req;
    const granted = grantMatcher(
      this.bundles.current(),
      toPolicyPrincipal(subject),
      (m) => this.upstream.routeFor(m)?.connection,
    );
    const refused = models.filter((m) => !granted(m));
    if (refused.length) {
      // All or nothing: the token is never narrower than asked, so the answer needs no scope.
      throw new EmbargoError(
        'invalid_scope',
        `The policy does not grant ${subject.id} the model(s) ${refused.join(', ')}`,
        { param: 'scope' },
      );
    }
    const now = Math.floor(Date.now() / 1000);
    const exp = Math.min(
      now + Math.min(req.expiresIn ?? 300, this.config.EXCHANGE_MAX_TTL_SECONDS),
      subject.expiresAt,
    );
    if (exp <= now)
      // Expired, and accepted only within the clock tolerance: nothing left to hand out.
      throw new EmbargoError('invalid_request', 'The subject token expires too soon to exchange', {
        param: 'subject_token',
      });
    const { singleUse } = req;
    const { token, jti } = this.signer.sign({
      ...subjectClaims(subject, this.identity.claimNames(subject.issuer)),
      iss: this.config.EXCHANGE_ISSUER,
      aud: this.config.EXCHANGE_AUDIENCE,
      iat: now,
      exp,
      emb_models: models,
      emb_single_use: singleUse,
      scope: models.map((m) => `model:${m}`).join(' '),
    });
    if (token.length > EXCHANGED_TOKEN_MAX_BYTES) {
      // It would be refused on every use: better a clear answer now.
      throw new EmbargoError(
        'invalid_request',
        `The exchanged token would be ${token.length} bytes, over the ${EXCHANGED_TOKEN_MAX_BYTES} bytes this gateway accepts; the subject token carries too many claims`,
        { param: 'subject_token' },
      );
    }
    // A credential is handed out only once the trail holds its issue (fail closed, like forwarding).
    await this.trail.record({
      requestId: request.id,
      clientRequestId: clientRequestId(request),
      stage: 'exchanged',
      principal: summarize(subject),
      tokenId: jti,
      subjectTokenId: subject.tokenId,
      models,
      expiresAt: new Date(exp * 1000).toISOString(),
      singleUse,
    });
    // RFC 8693 §2.2.1: `scope` may be left out when it is the one requested, which it is.
    return {
      access_token: token,
      issued_token_type: JWT_TYPE,
      token_type: 'Bearer',
      expires_in: exp - now,
    };
  }

  /** The subject token's principal; a token refused is a bad parameter (RFC 8693 §2.2.2). */
  private async verifySubject(token: string): Promise<Principal> {
    try {
      return await this.identity.verify(token);
    } catch (err) {
      if (err instanceof EmbargoError && SUBJECT_REFUSALS.has(err.code))
        throw new EmbargoError(err.code, `subject_token: ${err.message}`, {
          param: 'subject_token',
        });
      throw err;
    }
  }
}
