import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy, type JwtFromRequestFunction } from 'passport-jwt';
import { IdentityService } from './identity.service';
import type { Principal } from './principal';

// The principal our own verification produced for a request, read back in validate().
const verifiedPrincipals = new WeakMap<object, Principal>();

const BEARER = /^Bearer[ ]+([^ ]+)[ ]*$/i;

export const bearerFromRequest: JwtFromRequestFunction = (req: {
  headers?: Record<string, unknown>;
}) => {
  const header = req.headers?.authorization;
  if (typeof header !== 'string') return null;
  return BEARER.exec(header)?.[1] ?? null;
};

/**
 * passport-jwt strategy. Its options are global, so the per-issuer work (issuer lookup,
 * algorithm allow-list, JWKS key by kid, aud, clock tolerance, size, revocation) happens
 * in IdentityService inside secretOrKeyProvider; passport-jwt then re-checks the signature
 * and exp/nbf with the key that service selected.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(identity: IdentityService) {
    super({
      jwtFromRequest: bearerFromRequest,
      passReqToCallback: true,
      algorithms: identity.allAlgorithms() as never,
      jsonWebTokenOptions: { clockTolerance: identity.maxClockToleranceSeconds() },
      secretOrKeyProvider: (
        req: object,
        rawJwtToken: string,
        done: (err: unknown, key?: never) => void,
      ) => {
        identity.verifyWithKey(rawJwtToken).then(
          ({ principal, key }) => {
            verifiedPrincipals.set(req, principal);
            // jsonwebtoken accepts a KeyObject; the typings only list string | Buffer.
            done(null, key as never);
          },
          (err: unknown) => done(err),
        );
      },
    });
  }

  validate(req: object): Principal | null {
    return verifiedPrincipals.get(req) ?? null;
  }
}
