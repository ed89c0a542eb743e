import type { IngressConfig } from '../config';
import type { IssuerConfigInput } from '../identity';
import type { ExchangeSigner } from './exchange-signer';

export const EXCHANGE_CLOCK_TOLERANCE_SECONDS = 2;

/**
 * The largest token the exchange hands out and the gateway's own issuer accepts: the
 * identity issuers' default, and well inside the 16 KiB that Node allows for all of a
 * request's headers together.
 */
export const EXCHANGED_TOKEN_MAX_BYTES = 8192;

/** The gateway's own issuer: verifies the tokens the token exchange hands out, in process. */
export function exchangeIssuer(
  config: Pick<IngressConfig, 'EXCHANGE_ISSUER' | 'EXCHANGE_AUDIENCE'>,
  signer: ExchangeSigner,
): IssuerConfigInput {
  return {
    name: 'embargo',
    issuer: config.EXCHANGE_ISSUER,
    keys: [...signer.verificationJwks],
    audience: config.EXCHANGE_AUDIENCE,
    algorithms: ['ES256'],
    // Scopes are the subject token's, for policies; `scope` names the models it was issued for.
    claims: { principalId: 'sub', roles: 'roles', groups: 'groups', scopes: 'emb_scopes' },
    tokenKind: 'exchanged',
    // Minted on this fleet's own (synchronised) clocks: no IdP skew to absorb, and every
    // second of tolerance is a second longer that a single-use token's id must be kept.
    clockToleranceSeconds: EXCHANGE_CLOCK_TOLERANCE_SECONDS,
    maxTokenBytes: EXCHANGED_TOKEN_MAX_BYTES,
  };
}
